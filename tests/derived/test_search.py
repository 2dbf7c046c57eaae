"""Search without plaintext (PRIVACY_MODEL §3.3): keyed prefix tokens, forgotten with their source."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from apiclient import api, bearer
from helpers import say
from homes import Home
from echoless.vault.keyring import KeyDestroyed
from echoless.derived import search
from echoless.derived.models import SearchEpoch, SearchPosting, SearchSlot
from echoless.errors import BadRequest
from echoless.privacy import deletion, verifier
from echoless.vault import retention


def _ids(home: Home, member, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.id for i in search.search(home.vault, member, query).items]


def _tokens_of(home: Home, item_id: str) -> int:
    """The prefixes the index holds for the item: the postings with its slot's bit."""
    with home.vault.data.read() as session:
        slots = session.execute(select(SearchSlot.epoch_id, SearchSlot.slot).where(SearchSlot.item_id == item_id)).all()
        return sum(
            1 for epoch_id, slot in slots
            for entries in session.scalars(select(SearchPosting.entries).where(SearchPosting.epoch_id == epoch_id))
            for bits in search.unpack(entries).values() if bits >> slot & 1
        )


def _epoch_keys(home: Home, member) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    return {epoch_id: key for epoch_id, key, _oldest, _newest in search._epochs(home.vault, member)}


def _member_tokens(home: Home, member_id: str) -> list[bytes]:
    with home.vault.data.read() as session:
        epochs = select(SearchEpoch.id).where(SearchEpoch.member_id == member_id)
        return [token for entries in session.scalars(select(SearchPosting.entries).where(SearchPosting.epoch_id.in_(epochs)))
                for token in search.unpack(entries)]


def test_prefixes_are_every_prefix_of_three_letters_or_more() -> None:
    assert search.prefixes("Call Siobhan, ok?") == {"cal", "call", "sio", "siob", "siobh", "siobha", "siobhan"}


def test_search_by_words_and_prefixes_newest_first(home: Home) -> None:
    v, me = home.vault, home.owner
    lamp = say(v, me, "turn on the Tiffany lamp", "Turned on the Tiffany lamp.")
    list_ = say(v, me, "add quinoa and kombucha to my shopping list", "Added quinoa and kombucha.")
    other = say(v, me, "set a timer for ten minutes", "Timer started.")
    assert _ids(home, me, "tiff") == [lamp]
    assert _ids(home, me, "KOMBUCHA") == [list_]
    assert _ids(home, me, "kom qui") == [list_]  # every word must match
    assert _ids(home, me, "kombucha lamp") == []
    assert _ids(home, me, "started") == [other]  # the response is searched too
    assert set(_ids(home, me, "the")) == {lamp}  # "the" is a word of the lamp request only
    with pytest.raises(BadRequest):
        search.search(v, me, "to a")  # no word of 3 letters


def test_a_member_never_finds_another_members_items(home: Home) -> None:
    v = home.vault
    other, _ = home.add_member("sam", retention=retention.DEFAULTS | {"text": "forever"})
    say(v, other, "call Siobhan")
    mine = say(v, home.owner, "call Siobhan")
    assert _ids(home, home.owner, "siobhan") == [mine]


def test_the_index_holds_no_plaintext(home: Home) -> None:
    v = home.vault
    say(v, home.owner, "remind me about the Hippopotamus parade", "I will.")
    with v.data.read() as session:
        stored = b"".join(session.scalars(select(SearchPosting.entries)))
    assert b"hippo" not in stored.lower()
    report = verifier.verify(v, extra_needles=[b"Hippopotamus", b"hippopotamus", b"hippopot"])
    assert report.clean, report.to_json()


def test_deleting_an_item_removes_its_tokens(home: Home) -> None:
    v, me = home.vault, home.owner
    gone = say(v, me, "call Siobhan tonight")
    kept = say(v, me, "call Siobhan tomorrow")
    job = deletion.delete_items(v, me, [gone])
    assert _tokens_of(home, gone) == 0  # already at shred time, inside the request
    deletion.purge(v, job.id)
    assert _ids(home, me, "siobhan") == [kept]
    assert _tokens_of(home, kept) > 0
    assert verifier.verify(v).clean


def test_retention_of_the_text_removes_the_tokens(home: Home) -> None:
    v, me = home.vault, home.owner
    item = say(v, me, "call Siobhan", action={"intent": None})
    (job,) = deletion.expire(v, [(me.id, [item], ["text"])])
    assert job.state == "purged"
    assert _tokens_of(home, item) == 0
    assert _ids(home, me, "siobhan") == []


def test_delete_everything_makes_tokens_unlinkable_then_purge_removes_them(home: Home) -> None:
    v, me = home.vault, home.owner
    items = [say(v, me, f"call Siobhan number {n}") for n in range(3)]
    before = _member_tokens(home, me.id)
    (old_key,) = _epoch_keys(home, me).values()
    old_member_key = me.key_id
    job = deletion.delete_all(v, me)
    me = home.member(me.id)
    assert _epoch_keys(home, me) == {}  # the new member key has no epoch yet
    with pytest.raises(KeyDestroyed):  # the epoch key was wrapped by the destroyed member key
        v.keyring.epoch_keys(me.id, old_member_key, ["any"])
    assert search.tokens(old_key, ["siobhan"])[0] in before  # only the destroyed key linked them
    deletion.purge(v, job.id)
    assert all(_tokens_of(home, i) == 0 for i in items)
    assert _ids(home, me, "siobhan") == []
    assert verifier.verify(v).clean


def test_search_through_the_api_and_the_cli(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    v, me = home.vault, home.owner
    found = say(v, me, "turn on the Tiffany lamp")
    say(v, me, "what time is it")
    v.close()
    with api(home.settings) as client:
        body = client.get("/v1/interactions", params={"search": "tiffany"}, headers=bearer(home.owner_token)).json()
        assert [i["id"] for i in body["items"]] == [found]
        bad = client.get("/v1/interactions", params={"search": "a"}, headers=bearer(home.owner_token))
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "search-too-short"
    from typer.testing import CliRunner

    from echoless.cli.app import app

    for name, value in home.settings.model_dump().items():
        if value is not None and not isinstance(value, dict):
            monkeypatch.setenv(f"ECHOLESS_{name.upper()}", str(value.get_secret_value() if hasattr(value, "get_secret_value") else value))
    result = CliRunner().invoke(app, ["history", "--search", "tiff", "--json"])
    assert result.exit_code == 0, result.output
    assert found in result.output and result.output.count('"id"') == 1


def test_deleting_an_item_rekeys_its_epoch_and_destroys_the_old_key(home: Home) -> None:
    v, me = home.vault, home.owner
    doomed = say(v, me, "call Okonkwo about the begonias")
    kept = say(v, me, "water the begonias")
    with v.data.read() as session:
        (epoch,) = session.scalars(select(SearchEpoch).where(SearchEpoch.member_id == me.id))
    (old_key,) = _epoch_keys(home, me).values()
    deletion.delete_items(v, me, [doomed])  # returns once shredded
    with v.data.read() as session:
        rebuilt = session.get(SearchEpoch, epoch.id)
        tokens = {token for entries in session.scalars(select(SearchPosting.entries).where(SearchPosting.epoch_id == epoch.id))
                  for token in search.unpack(entries)}
    assert rebuilt.epoch_key_id != epoch.epoch_key_id and rebuilt.retired == []
    assert epoch.epoch_key_id not in v.keyring.epoch_key_ids()  # the old key is gone from the keyring
    (new_key,) = _epoch_keys(home, me).values()
    assert search.tokens(new_key, ["okonkwo"])[0] not in tokens  # the deleted item's words are not keyed again
    assert search.tokens(old_key, ["okonkwo"])[0] not in tokens and search.tokens(old_key, ["begonias"])[0] not in tokens
    assert _ids(home, me, "begon") == [kept] and _ids(home, me, "okonkwo") == []
    assert verifier.verify(v, extra_needles=[b"Okonkwo"]).clean


def test_an_epoch_closes_after_its_items(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "EPOCH_ITEMS", 2)
    v, me = home.vault, home.owner
    ids = [say(v, me, f"note number {n} about kombucha") for n in range(5)]
    with v.data.read() as session:
        epochs = list(session.scalars(select(SearchEpoch).where(SearchEpoch.member_id == me.id)))
    assert sorted(e.items for e in epochs) == [1, 2, 2] and len({e.epoch_key_id for e in epochs}) == 3
    assert set(_ids(home, me, "kombucha")) == set(ids)
    deletion.delete_items(v, me, [ids[0], ids[3]])  # two epochs re-keyed, the third untouched
    assert set(_ids(home, me, "kombucha")) == {ids[1], ids[2], ids[4]}
    assert verifier.verify(v).clean


def test_pages_run_newest_first_across_epochs(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page is read from the newest epochs with matches and stops early; the cursor carries on into older
    epochs without repeating or skipping an item."""
    monkeypatch.setattr(search, "EPOCH_ITEMS", 2)
    v, me = home.vault, home.owner
    ids = [say(v, me, f"kombucha note {n}" if n % 3 else f"quinoa note {n}") for n in range(9)]
    wanted = [i for n, i in enumerate(ids) if n % 3][::-1]  # newest first
    seen, cursor = [], None
    while True:
        page = search.search(v, me, "kombucha", cursor=cursor, limit=2)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == wanted
    assert [i.id for i in search.search(v, me, "note quin").items] == [ids[6], ids[3], ids[0]]


def test_after_migration_0017_the_index_is_made_again_and_old_epoch_keys_go(home: Home) -> None:
    """Migration 0017 drops the older index and marks it; the next open makes it again from the kept content
    and destroys the epoch keys no epoch uses."""
    from sqlalchemy import delete

    from echoless import root
    from echoless.vault.models import InstanceState

    v, me = home.vault, home.owner
    found = say(v, me, "turn on the Tiffany lamp")
    (old_key_id,) = v.keyring.epoch_key_ids()
    with v.data.write() as session:  # what the migration leaves: no postings, slots or epochs, and the mark
        for model in (SearchPosting, SearchSlot, SearchEpoch):
            session.execute(delete(model))
        session.add(InstanceState(name=search.REINDEX_MARK, value="pending"))
    v.close()
    v = root.open_vault(home.settings)
    try:
        assert [i.id for i in search.search(v, me, "tiff").items] == [found]
        assert old_key_id not in v.keyring.epoch_key_ids()
        with v.data.read() as session:
            assert session.get(InstanceState, search.REINDEX_MARK) is None
        assert verifier.verify(v).clean
    finally:
        v.close()
