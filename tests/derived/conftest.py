"""The derived stores' tests: their hooks are installed for every test here."""

from __future__ import annotations

