"""`echoless ask --text`: a typed request through the real command, answered and recorded like `ask FILE`,
shown as typed in the history; bad text is a clear error and nothing is stored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from clirun import ECHOLESS, environment, run_all, start


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ECHOLESS, *args], env=environment(home), capture_output=True, text=True, timeout=180)


def test_ask_text_answers_records_and_shows_typed(tmp_path: Path) -> None:
    home = tmp_path / "data"
    assert run(home, "init", "--json").returncode == 0
    asked = run(home, "ask", "--text", "add oat milk\nto my shopping list", "--json")
    assert asked.returncode == 0, asked.stderr
    body = json.loads(asked.stdout)
    assert set(body) == {"id", "stored", "transcript", "intent", "slots", "action", "response", "events"}
    assert body["transcript"] == "add oat milk to my shopping list" and body["intent"] == "HassShoppingListAddItem"
    assert body["slots"]["item"] == "oat milk" and body["action"]["success"] is True and body["stored"] is True
    assert [e["type"] for e in body["events"]] == ["run-start", "intent-end", "action-end", "run-end"]
    assert body["events"][0]["data"]["source"] == "typed"
    plain, empty, bidi, neither = run_all(
        start(home, "ask", "--text", "what time is it"),
        start(home, "ask", "--text", " \n "),
        start(home, "ask", "--text", "turn on \u202ethe light"),
        start(home, "ask"),
    )
    assert plain.returncode == 0 and "typed" in plain.stdout and "HassGetCurrentTime" in plain.stdout
    assert empty.returncode == 2 and "text-empty" in empty.stderr and "Traceback" not in empty.stderr
    assert bidi.returncode == 2 and "text-bidi-override" in bidi.stderr
    assert neither.returncode == 2 and "--text" in neither.stderr
    listed, table, shown = run_all(start(home, "history", "--json"), start(home, "history"), start(home, "show", body["id"]))
    items = json.loads(listed.stdout)["items"]
    assert len(items) == 2 and body["id"] in [i["id"] for i in items]  # the refused requests stored nothing
    assert {i["source"] for i in items} == {"typed"}
    assert table.returncode == 0 and "via" in table.stdout and "typed" in table.stdout
    assert "typed" in shown.stdout and "not kept" in shown.stdout  # no recording
