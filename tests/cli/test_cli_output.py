"""What the `echoless` command prints for people (issue 17, "The CLI"): whole ids at 80 columns and
short ids accepted, readable `show` and `ask`, warnings-only logging, latency ranges, progress only on a
terminal. Real processes on a real data home."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from clirun import databases, on_terminal, receipt_for, record, run_all, start
from homes import Home
from samples import tone_wav

from echoless.cli.app import log_level
from echoless.demo import CLIPS_DIR
from echoless.derived import stats
from echoless.derived.models import DailyCount

HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")


def _whole_on_a_line(text: str, ids: list[str]) -> bool:
    return all(any(i in line for line in text.splitlines()) for i in ids)


def _prefixes(ids: list[str], target: str) -> tuple[str, str, str]:
    """A unique prefix of `target` (at least 4 characters), a prefix two ids share, one no id has."""
    short = next(target[:n] for n in range(4, 33) if sum(i.startswith(target[:n]) for i in ids) == 1)
    shared = next(a[:1] for a in ids for b in ids if a != b and a[:1] == b[:1])
    unknown = next(p for p in (f"{n:04x}" for n in range(65536)) if not any(i.startswith(p) for i in ids))
    return short, shared, unknown


def test_short_ids_are_accepted_and_tables_never_cut_an_id(sqlite_home: Home, tmp_path: Path) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    audio = tone_wav(0.3)
    ids = [record(home, f"turn on the kitchen light {n}", audio) for n in range(17)]  # 17 ids: two share a first digit
    short, shared, unknown = _prefixes(ids, ids[3])
    listed, shown, ambiguous, missing, played, members = run_all(
        start(folder, "history"),
        start(folder, "show", short),
        start(folder, "show", shared),
        start(folder, "show", unknown),
        start(folder, "play", short, "--out", str(tmp_path / "back.wav")),
        start(folder, "members", "list"),
    )
    assert listed.returncode == 0 and _whole_on_a_line(listed.stdout, ids) and "…" not in listed.stdout, listed.stdout
    assert members.returncode == 0 and _whole_on_a_line(members.stdout, [home.owner.id])
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0].split() == ["id", ids[3]]
    assert ambiguous.returncode == 2 and "ambiguous-id" in ambiguous.stderr and "Traceback" not in ambiguous.stderr
    assert missing.returncode == 2 and "not-found" in missing.stderr
    assert played.returncode == 0 and (tmp_path / "back.wav").read_bytes() == audio

    second = _prefixes(ids, ids[9])[0]
    deleted = run_all(start(folder, "delete", short, second, "--yes", "--json"))[0]
    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout)["counts"]["interactions"] == 2
    doc = receipt_for(home, ids[0])
    table, as_json, one, trail = run_all(
        start(folder, "receipts"),
        start(folder, "receipts", "--json"),
        start(folder, "receipt", "show", doc["receipt_id"][:8]),
        start(folder, "audit", "show"),
    )
    assert table.returncode == 0 and _whole_on_a_line(table.stdout, [doc["receipt_id"], doc["deletion_id"]])
    assert "third parties" in table.stdout and "none" in table.stdout and "{" not in table.stdout, table.stdout
    newest = json.loads(as_json.stdout)[0]
    assert newest["receipt_id"] == doc["receipt_id"] and "signature" in newest
    assert one.returncode == 0 and doc["receipt_id"] in one.stdout and "{" not in one.stdout, one.stderr
    assert trail.returncode == 0 and _whole_on_a_line(trail.stdout, [doc["deletion_id"], doc["receipt_id"]])
    assert "{" not in trail.stdout and "…" not in trail.stdout, trail.stdout


def test_a_short_id_names_one_interaction_on_every_backend(home: Home) -> None:
    ids = [record(home, f"turn on the kitchen light {n}") for n in range(17)]
    short, shared, unknown = _prefixes(ids, ids[5])
    env = databases(home)
    shown, ambiguous, missing = run_all(*(start(home.settings.home, "show", p, "--json", **env) for p in (short, shared, unknown)))
    assert shown.returncode == 0 and json.loads(shown.stdout)["id"] == ids[5], shown.stderr
    assert ambiguous.returncode == 2 and "ambiguous-id" in ambiguous.stderr
    assert missing.returncode == 2 and "not-found" in missing.stderr


def test_show_and_ask_print_lines_and_the_cli_logs_only_warnings(sqlite_home: Home, tmp_path: Path) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    item = record(home, "turn on the kitchen light", tone_wav(0.3))
    clip = str(CLIPS_DIR / "07_time.ogg")
    asked, verbose, shown, counted, exported, backed_up, told = run_all(
        start(folder, "ask", clip),
        start(folder, "-v", "ask", clip),
        start(folder, "show", item),
        start(folder, "stats"),
        start(folder, "export", "--out", str(tmp_path / "mine.zip")),
        start(folder, "backup", "--out", str(tmp_path / "backup.zip")),
        start(folder, "-v", "export", "--out", str(tmp_path / "again.zip")),
    )
    lines = dict(line.split(None, 1) for line in asked.stdout.splitlines())
    assert asked.returncode == 0 and list(lines) == ["id", "heard", "intent", "slots", "action", "answer"], asked.stdout
    assert HEX_ID.fullmatch(lines["id"]) and lines["intent"] == "HassGetCurrentTime"
    assert lines["action"].startswith("intent: HassGetCurrentTime, slots: none, result: ")
    for quiet in (asked, counted, exported, backed_up):
        assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert verbose.returncode == 0 and "INFO" in verbose.stderr and "interaction recorded" in verbose.stderr
    assert "time is it" not in verbose.stderr.lower()  # no content, even at INFO
    assert told.returncode == 0 and "export made" in told.stderr
    assert shown.returncode == 0 and "{'" not in shown.stdout and "{\"" not in shown.stdout, shown.stdout
    fields = [line.split(None, 1) for line in shown.stdout.splitlines()]
    assert fields[:8] == [
        ["id", item], fields[1], ["device", "kitchen speaker"], ["via", "imported"], ["heard", "turn on the kitchen light"],
        ["answer", "Turned on the kitchen light"],
        ["action", "intent: HassTurnOn, slots: name=kitchen light, result: turned on kitchen light"],
        ["audio", f"audio/wav, {len(tone_wav(0.3)):,} bytes"],
    ]
    assert fields[8] == ["kept", "recording until deleted"]  # the home keeps everything forever


def test_serve_keeps_the_configured_level_and_commands_log_warnings() -> None:
    assert log_level("INFO", verbose=False, serving=True) == logging.INFO
    assert log_level("INFO", verbose=False, serving=False) == logging.WARNING
    assert log_level("INFO", verbose=True, serving=False) == logging.INFO
    assert log_level("DEBUG", verbose=True, serving=False) == logging.DEBUG
    assert log_level("ERROR", verbose=False, serving=False) == logging.ERROR


def test_stats_show_the_latency_bucket_as_a_range(sqlite_home: Home) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    intent = stats.intent_code("HassGetCurrentTime")
    with home.vault.data.write() as session:  # the day's counts as stored: per latency bucket (upper bound)
        for day, seconds, count in (("2026-11-20", 0.7, 6), ("2026-11-20", 3.0, 1), ("2026-11-21", 12.0, 6), ("2026-11-22", 0.1, 2)):
            session.add(DailyCount(day=day, intent=intent, outcome="ok", latency_ms=stats.bucket(seconds), count=count))
    as_json, table = run_all(start(folder, "stats", "--json"), start(folder, "stats", COLUMNS="160"))
    days = {d["day"]: d for d in json.loads(as_json.stdout)["days"]}
    assert days["2026-11-20"]["latency_p50_ms"] == 1000  # the old field stays: the bucket's upper bound
    assert days["2026-11-20"]["latency_p50_range_ms"] == [500, 1000]
    assert days["2026-11-20"]["latency_p95_range_ms"] == [2000, 5000]
    assert days["2026-11-21"]["latency_p50_range_ms"] == [10000, None]
    assert days["2026-11-22"]["requests"] is None and days["2026-11-22"]["latency_p50_range_ms"] is None
    rows = {line.split()[1]: line for line in table.stdout.splitlines() if "2026-11-2" in line}
    assert "500–1000 ms" in rows["2026-11-20"] and "2000–5000 ms" in rows["2026-11-20"], table.stdout
    assert ">10000 ms" in rows["2026-11-21"] and "<5" in rows["2026-11-22"]


def test_progress_is_shown_on_a_terminal_only(sqlite_home: Home, tmp_path: Path) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    record(home, "turn on the kitchen light")
    other = tmp_path / "other"
    assert run_all(start(other, "init"))[0].returncode == 0
    piped_export, piped_demo = run_all(
        start(folder, "export", "--out", str(tmp_path / "piped.zip")), start(other, "demo")
    )
    assert piped_export.stdout == f"Wrote {tmp_path / 'piped.zip'}\n" and piped_export.stderr == ""
    assert "Speaking" not in piped_demo.stdout + piped_demo.stderr and piped_demo.stderr == ""
    code, screen = on_terminal(folder, "export", "--out", str(tmp_path / "shown.zip"))
    assert code == 0 and "Exporting" in screen, screen
    code, screen = on_terminal(folder, "demo")
    assert code == 0 and "Speaking to the assistant" in screen, screen
