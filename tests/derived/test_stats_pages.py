"""The hub's search box and the owner's usage page."""

from __future__ import annotations

from hub import Hub, cheap_passwords  # noqa: F401
import pytest

from echoless.derived import stats
from echoless.vault import interactions


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


def _ran(home, member, intent: str) -> None:  # type: ignore[no-untyped-def]
    new = interactions.NewInteraction(transcript="please", response="Done.", action={"intent": intent, "success": True},
                                      run=interactions.RunFacts(intent, True, 0.3))
    interactions.record(home.vault, member, None, new)


def test_the_usage_page_is_the_owners_and_hides_small_counts(hub: Hub) -> None:
    people = [hub.home.owner] + [hub.home.add_member(f"p{n}")[0] for n in range(4)]
    for person in people:
        _ran(hub.home, person, "HassTurnOn")
    _ran(hub.home, hub.home.owner, "HassTurnOff")
    page = hub.use("owner").get("/stats")
    assert page.status_code == 200 and "HassTurnOn 5" in page.text and "HassTurnOff" not in page.text
    assert hub.use("bob").get("/stats").status_code == 403
