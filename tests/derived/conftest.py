"""The derived stores' tests: their hooks are installed for every test here."""

from __future__ import annotations

import echoless.derived.hooks  # noqa: F401  (installs the record, deletion and run hooks)
