"""Print the README's configuration table from the settings registry (`--write` updates README.md)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from echoless.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| variable | default | what it sets |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(unset)" if default is None else f"`{default}`"
        rows.append(f"| `ECHOLESS_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


def main() -> None:
    if "--write" in sys.argv:
        text = README.read_text()
        text = re.sub(f"{START}.*?{END}", f"{START}\n{table()}\n{END}", text, flags=re.S)
        README.write_text(text)
    else:
        print(table())


if __name__ == "__main__":
    main()
