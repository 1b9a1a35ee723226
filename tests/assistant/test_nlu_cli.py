"""The `anxin parse` contract: one JSON object per utterance and line; bad input exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from anxin.assistant.cli import parse_command

NOW = "2026-11-25T10:00:00+08:00"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("parse")(parse_command)

    @app.command("version")
    def version() -> None:  # a second command, so "parse" stays a subcommand as in `anxin`
        """Print nothing."""

    return app


def run(app: typer.Typer, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["parse", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def json_lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_json_one_object_per_utterance(app: typer.Typer) -> None:
    code, out, _ = run(
        app, "--json", "--now", NOW, "给妈妈转五百", "pay my electricity bill tomorrow"
    )
    assert code == 0
    assert json_lines(out) == [
        {"text": "给妈妈转五百", "intent": "transfer", "slots": {"amount": "500", "payee": "妈妈"}},
        {
            "text": "pay my electricity bill tomorrow",
            "intent": "bill_pay",
            "slots": {"biller": "electricity", "date": "2026-11-26"},
        },
    ]
    assert "五百" in out  # UTF-8, not \u escapes


def test_batch_file(app: typer.Typer, tmp_path: Path) -> None:
    batch = tmp_path / "utterances.txt"
    batch.write_text("\ufeff交水费\n\n  每月15号自动还信用卡  \nsend $5 to Bob\n", "utf-8")
    code, out, _ = run(app, "--batch", str(batch), "--json", "--now", NOW)
    assert code == 0
    rows = json_lines(out)
    assert [row["text"] for row in rows] == ["交水费", "每月15号自动还信用卡", "send $5 to Bob"]
    assert [row["intent"] for row in rows] == ["bill_pay", "card_repay", "transfer"]
    assert all(set(row) == {"text", "intent", "slots"} for row in rows)


def test_batch_from_stdin(app: typer.Typer) -> None:
    code, out, _ = run(app, "--batch", "-", "--json", "--now", NOW, stdin="你好\n查余额\n")
    assert code == 0
    assert [row["intent"] for row in json_lines(out)] == ["unknown", "balance_query"]


def test_now_defaults_to_the_current_time(app: typer.Typer) -> None:
    code, out, _ = run(app, "--json", "明天交电费")
    assert code == 0
    assert len(json_lines(out)[0]["slots"]["date"]) == 10  # type: ignore[index]


def test_readable_output(app: typer.Typer) -> None:
    code, out, _ = run(app, "--now", NOW, "给[妈妈]转五百")
    assert code == 0
    assert "transfer" in out and "amount" in out and "500" in out
    assert "[妈妈]" in out  # printed as text, not read as Rich markup


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch", "/no/such/file", "--json"], "cannot read --batch"),
        (["--now", "yesterday-ish", "hi"], "--now"),
        ([], "nothing to parse"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(app: typer.Typer, args: list[str], message: str) -> None:
    code, out, err = run(app, *args)
    assert code == 2
    assert out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_unreadable_batch_encoding(app: typer.Typer, tmp_path: Path) -> None:
    batch = tmp_path / "latin1.txt"
    batch.write_bytes("caf\xe9\n".encode("latin-1"))
    code, _, err = run(app, "--batch", str(batch))
    assert code == 2 and "cannot read --batch" in err


def test_importing_the_command_does_not_import_scikit_learn() -> None:
    code = "import sys, anxin.assistant.cli; print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_parse_through_the_classifier_imports_neither_scikit_learn_nor_scipy() -> None:
    # 我还有多少钱 is a question, so no pattern decides it: the shipped classifier does.
    code = (
        "import sys\n"
        "from anxin.cli import app\n"
        "sys.argv = ['anxin', 'parse', '--json', '我还有多少钱']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    answer, imported = result.stdout.strip().splitlines()
    assert json.loads(answer) == {"text": "我还有多少钱", "intent": "balance_query", "slots": {}}
    assert imported == "[]"
