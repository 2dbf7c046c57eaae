"""What every figure module receives: the mode, the backend, a log line printer, notes for the report."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass
class Ctx:
    quick: bool
    backend: str = "sqlite"
    started: float = field(default_factory=time.monotonic)
    notes: list[str] = field(default_factory=list)

    def key(self, number: str) -> str:
        """Figures 3–6 and 9 on PostgreSQL are reported as 7.3–7.6 and 7.9."""
        return number if self.backend == "sqlite" else f"7.{number}"

    def log(self, message: str) -> None:
        sys.stderr.write(f"[{time.monotonic() - self.started:6.1f}s] {message}\n")
        sys.stderr.flush()
