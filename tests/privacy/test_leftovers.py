"""No leftovers (issue 13, item 6): what a crashed write left — a blob and data keys that decrypt, no row
naming them — is removed by the periodic sweep, not only at start-up; a write still in flight (younger
than the grace period) is left alone."""

from __future__ import annotations

from homes import Home
from echoless.privacy import housekeeping
from echoless.vault.accounts import new_id


def _crashed_write(home: Home) -> str:
    v, me = home.vault, home.owner
    item = new_id()
    keys = v.keyring.new_part_keys(me.id, me.key_id, item, ["audio", "text"])
    v.keyring.store_part_keys(item, me.key_id, keys)
    v.blobs.put("audio", item, b"\x01sealed audio of a write that never committed")
    return item


def test_the_periodic_sweep_removes_what_a_crashed_write_left(sqlite_home: Home) -> None:
    home = sqlite_home
    item = _crashed_write(home)
    young = housekeeping.sweep(home.vault)  # the default grace: it may be another process's write in flight
    assert young["leftover_blobs"] == 0 and item in home.vault.keyring.data_key_item_ids()
    home.vault.settings = home.vault.settings.model_copy(update={"reconcile_grace_seconds": 0.0})
    done = housekeeping.sweep(home.vault)
    assert done["leftover_blobs"] == 1 and done["leftover_data_keys"] == 2
    assert item not in home.vault.keyring.data_key_item_ids() and not home.vault.blobs.exists("audio", item)
