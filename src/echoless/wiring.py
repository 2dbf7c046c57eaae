"""Which stores hook into the vault's events (an interaction stored, a deletion shredded or purged, a
pipeline run). `open_vault` installs them, so no process can record or delete without every store
hearing of it: receipts, third-party deletion requests, and the derived stores."""

from __future__ import annotations


def install() -> None:
    import echoless.derived.hooks  # noqa: F401  search index, vocabulary, corpus, stats, lineage
    import echoless.privacy.receipts  # noqa: F401  a signed receipt after each purge
    import echoless.sharing.notices  # noqa: F401  deletion requests to skills, before the keys die
