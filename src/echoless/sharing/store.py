"""The sharing store: installed skills, members' enablements, the share ledger and the deletion notices
owed to skills (PRIVACY_MODEL §3.6). A deletion journals its notices before the keys die (the pseudonym
must still be named), names the recipients in the receipt, and wakes the courier that delivers them."""

from __future__ import annotations

from typing import Any

from echoless.sharing import notices
from echoless.sharing.records import NoticeRow, ShareRow, SkillEnablement, SkillRow
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob
from echoless.vault.store import DeletionRule, Restore, Store, TableSpec


class SharingStore(Store):
    name = "sharing"
    tables = (
        TableSpec(SkillRow, DeletionRule.USER_STATE, "household configuration, no user data"),
        TableSpec(SkillEnablement, DeletionRule.USER_STATE, "a member's setting; no content"),
        TableSpec(ShareRow, DeletionRule.CONTENT_FREE, "the share ledger: names, ids and times only", restore=Restore.CURRENT),
        TableSpec(NoticeRow, DeletionRule.CONTENT_FREE,
                  "ids, times and states; the pseudonym is cleared once the skill acknowledges", restore=Restore.CURRENT),
    )

    def shred(self, session: Any, vault: Vault, jobs: list[DeletionJob]) -> None:
        notices.journal_requests(session, vault, jobs)

    def purged(self, session: Any, vault: Vault, jobs: list[DeletionJob]) -> None:
        notices.recipients_in_receipts(session, vault, jobs)

    def after_purge(self, vault: Vault, jobs: list[DeletionJob]) -> None:
        if jobs:
            vault.runtime.signal(notices.WAKE).set()
