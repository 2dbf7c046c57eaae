"""Every setting is documented in the README, exactly as the registry describes it."""

from __future__ import annotations

from pathlib import Path

from echoless.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        assert f"`ECHOLESS_{name.upper()}`" in README, f"ECHOLESS_{name.upper()} is not documented"
        assert field.description and field.description in README, f"the README's description of {name} is stale"


def test_the_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in README.splitlines() if line.strip()]
    assert lines[1:4] == ["```sh", lines[2], lines[3]] and "scripts/run.sh" in lines[2] and "scripts/test.sh" in lines[3]
