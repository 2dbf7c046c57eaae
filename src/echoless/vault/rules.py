"""How each kind of stored thing dies (PRIVACY_MODEL §3.8). Every table, blob kind and index names one
of these; a test fails when a store appears without a rule, and deletion and the verifier read them."""

from __future__ import annotations

from enum import Enum


class DeletionRule(str, Enum):
    INTERACTION_PART = "part-of-interaction"  # dies with its interaction
    USER = "of-user"  # dies with the member (delete everything / remove member)
    USER_STATE = "user-state"  # the user's own state; outlives history, never links back to it
    CONTENT_FREE = "content-free"  # holds no content; kept as a record (journal, audit, ledger)
