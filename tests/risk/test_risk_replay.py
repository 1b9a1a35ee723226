"""`anxin risk replay` as other tools call it: one decision line per event, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anxin.core.db import Database
from anxin.risk.simulator import SimConfig, simulate, write_jsonl


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(COLUMNS="200", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "anxin.risk", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "events.jsonl"
    write_jsonl(simulate(SimConfig(seed=7, users=80, days=8, warmup_days=4, attacks=2)), path)
    return path


def ids(path: Path) -> list[str]:
    return [json.loads(line)["event_id"] for line in path.read_text().splitlines()]


def test_one_line_per_event_in_input_order(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "decisions.jsonl"
    done = run("replay", str(events), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert ids(out) == ids(events)
    decisions = [json.loads(line) for line in out.read_text().splitlines()]
    assert {tuple(d) for d in decisions} == {("event_id", "decision", "score", "reasons")}
    assert {d["decision"] for d in decisions} <= {"allow", "challenge", "review", "block"}
    assert all(0 <= d["score"] <= 1 for d in decisions)
    flagged = [d for d in decisions if d["reasons"]]
    assert flagged and all(set(r) == {"code", "zh", "en"} for d in flagged for r in d["reasons"])
    assert "events/s" in done.stderr and "replaying" in done.stderr  # progress on stderr
    assert not (tmp_path / ".anxin").exists()  # no database touched without --db

    again = tmp_path / "again.jsonl"
    run("replay", str(events), "--out", str(again), cwd=tmp_path)
    assert again.read_text() == out.read_text()  # from an empty state, every time


def test_a_bad_line_stops_the_replay_naming_the_line(events: Path, tmp_path: Path) -> None:
    lines = events.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        "\n".join([*lines[:4], '{"event_id": "x", "type": "wire"}', *lines[4:10]]) + "\n"
    )
    out = tmp_path / "out.jsonl"
    done = run("replay", str(broken), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2
    assert "line 5: type must be one of login, payment, application" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(out.read_text().splitlines()) == 4


def test_skip_bad_reports_every_bad_line_and_carries_on(events: Path, tmp_path: Path) -> None:
    lines = events.read_text().splitlines()[:20]
    lines[2] = "not json"
    lines[7] = lines[7].replace('"amount": "', '"amount": "-')
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    done = run("replay", str(source), "--out", str(out), "--skip-bad", cwd=tmp_path)
    assert done.returncode == 1
    assert "line 3: not valid JSON" in done.stderr
    bad_amount = "amount" in lines[7]
    assert ("line 8: amount must be greater than zero" in done.stderr) == bad_amount
    assert len(out.read_text().splitlines()) == 20 - 1 - bad_amount


def test_replay_with_a_database_logs_a_verifiable_chain_and_shadow_decisions(
    events: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'risk.db'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    draft = tmp_path / "draft.yaml"
    shipped = Path(__file__).parents[2] / "src/anxin/risk/rules/default.yaml"
    draft.write_text(shipped.read_text().replace("challenge: 0.5", "challenge: 0.02"))
    out, shadow = tmp_path / "out.jsonl", tmp_path / "shadow.jsonl"
    done = run(
        "replay",
        str(events),
        "--out",
        str(out),
        "--db",
        url,
        "--shadow",
        str(draft),
        "--shadow-out",
        str(shadow),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "logged to the database" in done.stderr
    verified = run("verify-log", "--db", url, "--json", cwd=tmp_path)
    report = json.loads(verified.stdout)
    assert verified.returncode == 0 and report["ok"] and report["rows"] == len(ids(events))
    shadows = [json.loads(line) for line in shadow.read_text().splitlines()]
    assert [s["event_id"] for s in shadows] == ids(events)
    assert any(s["live"] != s["draft"] for s in shadows)


def test_a_refused_rule_set_never_runs(events: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules: []\n")
    done = run(
        "replay", str(events), "--out", str(tmp_path / "o.jsonl"), "--rules", str(bad), cwd=tmp_path
    )
    assert done.returncode == 2 and "rule set refused" in done.stderr
    assert not (tmp_path / "o.jsonl").exists()
    checked = run("check-rules", str(bad), cwd=tmp_path)
    assert checked.returncode == 1 and "refused" in checked.stderr


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["replay"],
        ["check-rules"],
        ["features"],
        ["backtest"],
        ["simulate"],
        ["train-model"],
        ["graph"],
        ["verify-log"],
        ["lists"],
        ["lists", "add"],
        ["lists", "remove"],
        ["lists", "show"],
    ],
)
def test_help_everywhere(command: list[str], tmp_path: Path) -> None:
    done = run(*command, "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


def test_lists_from_the_command_line_with_an_audit_trail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lists.db'}"
    database = Database(url)
    database.upgrade()
    database.dispose()
    who = ["--actor", "ana", "--db", url]
    added = run(
        "lists", "add", "block", "device", "stolen-1", "--note", "reported", *who, cwd=tmp_path
    )
    assert added.returncode == 0, added.stderr
    refused = run("lists", "add", "grey", "device", "x", "--note", "?", *who, cwd=tmp_path)
    assert refused.returncode == 2 and "list must be one of block, allow" in refused.stderr
    shown = run("lists", "show", "--db", url, cwd=tmp_path)
    entries = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(e["list"], e["kind"], e["value"], e["actor"]) for e in entries] == [
        ("block", "device", "stolen-1", "ana")
    ]
    removed = run(
        "lists", "remove", "block", "device", "stolen-1", "--note", "found", *who, cwd=tmp_path
    )
    assert removed.returncode == 0
    again = run("lists", "remove", "block", "device", "stolen-1", "--note", "x", *who, cwd=tmp_path)
    assert again.returncode == 1 and "not on the block list" in again.stderr
    audit = run("lists", "show", "--audit", "--db", url, cwd=tmp_path)
    actions = [json.loads(line)["action"] for line in audit.stdout.splitlines()]
    assert actions == ["remove", "add"]
