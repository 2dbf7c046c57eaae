"""The hub's search box and the owner's usage page."""

from __future__ import annotations

from hub import Hub, cheap_passwords  # noqa: F401
import pytest

from echoless.derived import stats


@pytest.fixture
def hub(sqlite_home, cheap_passwords):  # type: ignore[no-untyped-def]  # noqa: F811
    from hub import open_hub

    with open_hub(sqlite_home) as opened:
        yield opened


def test_the_history_search_box_finds_by_words(hub: Hub) -> None:
    found = hub.record("bob", "turn on the Tiffany lamp")
    other = hub.record("bob", "what time is it")
    page = hub.use("bob").get("/history", params={"q": "tiff"})
    assert page.status_code == 200 and 'name="q"' in page.text
    assert found in page.text and other not in page.text
    assert hub.use("owner").get("/history", params={"q": "tiff"}).text.count(found) == 0  # bob's only


def test_the_usage_page_is_the_owners_and_hides_small_counts(hub: Hub) -> None:
    for _ in range(5):
        stats.count_run(hub.home.vault, "HassTurnOn", True, 0.3)
    stats.count_run(hub.home.vault, "HassTurnOff", True, 0.3)
    page = hub.use("owner").get("/stats")
    assert page.status_code == 200 and "HassTurnOn 5" in page.text and "HassTurnOff" not in page.text
    assert hub.use("bob").get("/stats").status_code == 403
