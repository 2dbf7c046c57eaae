"""The Privacy Hub in a real browser against a real server: sign in, see history made by the real
pipeline, play a recording, delete an item and see its receipt, change retention, export, sign out.
Screenshots of the main pages go to test-artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from homes import KEEP_EVERYTHING, REPO, make_settings, open_home, set_retention
from live import serving
from speech_synth import synthesise_wav
from echoless.pipeline.home import demo_home
from echoless.vault import accounts
from echoless.pipeline import homes

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    missing = None
    if sync_playwright is None:
        missing = "playwright is not installed: .venv/bin/pip install playwright"
    elif not CHROMIUM.exists():
        missing = f"no Chromium at {CHROMIUM}: apt-get install chromium"
    if missing and os.environ.get("ECHOLESS_REQUIRE_BROWSER"):  # CI runs them, never skips them
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("browser")
    settings = make_settings(root, "sqlite", None)
    home = open_home(settings, "sqlite")
    accounts.set_password(home.vault, home.owner.id, PASSWORD)
    bob, _ = accounts.add_member(home.vault, home.owner.household_id, "bob", "adult")
    set_retention(home.vault, bob, KEEP_EVERYTHING)
    accounts.add_member(home.vault, home.owner.household_id, "kid", "child")
    homes.save(home.vault, home.owner.household_id, demo_home())
    device_token = home.device_token
    home.vault.close()
    with serving(settings.home, timeout=120) as base:  # a loaded machine starts it slowly
        for phrase in ("turn off the kitchen light", "turn on the living room lamp", "what time is it"):
            reply = httpx.post(f"{base}/v1/interactions", headers={"Authorization": f"Bearer {device_token}"},
                               files={"audio": ("request.wav", synthesise_wav(phrase), "audio/wav")}, data={"member": "owner"}, timeout=60)
            assert reply.status_code == 201, reply.text
        yield {"base": base}


@pytest.fixture(scope="module")
def page(server: dict[str, str]) -> Iterator[Page]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(base_url=server["base"], viewport={"width": 1180, "height": 900}, accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(15000)
        yield tab
        context.close()
        browser.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_privacy_hub_in_a_browser(page: Page) -> None:
    page.goto("/")
    shot(page, "01-sign-in")
    page.get_by_label("Name").fill("owner")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("don't match")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/history")
    items = page.locator("li.item")
    expect(items).to_have_count(3)
    expect(page.locator(".heard").first).to_contain_text("time")
    expect(page.locator("text=kitchen light").first).to_be_visible()
    shot(page, "02-history")

    played = page.evaluate("""async () => {
        const audio = document.querySelector('li.item audio');
        await audio.play();
        await new Promise(r => setTimeout(r, 300));
        return {t: audio.currentTime, err: audio.error && audio.error.code};
    }""")
    assert played["err"] is None and played["t"] > 0

    heard = items.nth(1).locator(".heard").inner_text()
    items.nth(1).get_by_role("link", name="Delete").click()
    expect(page.locator("h1")).to_contain_text("Delete 1 item?")
    expect(page.locator(".warning")).to_contain_text("cannot be undone")
    shot(page, "03-delete-confirm")
    page.get_by_role("button", name="Yes, delete it").click()
    expect(page.locator(".badge.ok")).to_contain_text("Signature valid", timeout=20000)
    expect(page.locator("h1")).to_have_text("Deleted")
    shot(page, "04-deletion-receipt")
    page.goto("/history")
    expect(page.locator("li.item")).to_have_count(2)
    assert heard not in page.locator("main").inner_text()

    page.get_by_role("link", name="Receipts").click()
    expect(page.locator(".receipt")).to_have_count(1)
    expect(page.locator(".receipt .badge.ok")).to_contain_text("Signature valid")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.startswith("echoless-receipt-")
    shot(page, "05-receipts")

    page.get_by_role("link", name="Settings").click()
    page.select_option("#ret-text", "7d")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(page.locator("#ret-text")).to_have_value("7d")
    shot(page, "06-settings")

    page.get_by_role("link", name="Export").click()
    if page.get_by_role("button", name="Download my data").count():
        with page.expect_download() as export:
            page.get_by_role("button", name="Download my data").click()
        assert export.value.suggested_filename.endswith(".zip")
    shot(page, "07-export")

    page.get_by_role("link", name="Household").click()
    expect(page.locator("#members tbody tr")).to_have_count(3)
    shot(page, "08-household")
    page.get_by_role("link", name="Try it").click()
    expect(page.get_by_role("button", name="Start recording")).to_be_visible()
    shot(page, "09-try-it")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/history")
    shot(page, "10-history-phone")
    page.set_viewport_size({"width": 1180, "height": 900})

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto("/history")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_try_it_takes_a_typed_request(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Name").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/history")
    page.get_by_role("link", name="Try it").click()
    expect(page.get_by_role("button", name="Start recording")).to_be_visible()  # the text box is beside it
    box = page.get_by_label("Or type it")
    box.fill("  Turn on the kitchen light. ")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#heard-label")).to_have_text("Typed")
    expect(page.locator("#heard")).to_have_text("\u201cTurn on the kitchen light.\u201d")
    expect(page.locator("#did")).to_contain_text("kitchen light")
    expect(page.locator("#stored")).to_contain_text("Kept in your history")
    expect(box).to_have_value("")
    shot(page, "11-try-it-typed")
    for text, says in (("   ", "the text is empty"), ("turn on \u202ethe light", "bidirectional override")):
        box.fill(text)
        page.get_by_role("button", name="Ask", exact=True).click()
        expect(page.locator("#status")).to_contain_text(says)
    page.goto("/history")
    newest = page.locator("li.item").first
    expect(newest.locator(".source")).to_have_text("typed")
    expect(newest.locator("dt").first).to_have_text("Typed")
    expect(newest.locator(".heard")).to_contain_text("Turn on the kitchen light.")
    expect(newest.locator("audio")).to_have_count(0)
    expect(page.locator("li.item .source-spoken").first).to_have_text("spoken")
