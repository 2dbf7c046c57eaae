"""docs/formats.md documents every table of the registry and every encrypted column (an auditor writes an
attacker from it; tests/privacy/attacker.py is one)."""

from __future__ import annotations

from pathlib import Path

from echoless import root
from echoless.settings import Settings
from echoless.vault.store import Registry

DOC = (Path(__file__).parents[1] / "docs" / "formats.md").read_text()


def test_every_table_and_encrypted_column_is_documented() -> None:
    for store in Registry(root.stores(Settings())):
        for spec in store.tables:
            assert f"`{spec.name}`" in DOC, spec.name
            for column, key in spec.encrypted.items():
                assert f"`{column}` → {key}" in DOC, (spec.name, column)
