"""`anxin chat` driven through stdin, on the same engine and database as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chatkit import PASSWORD, balance, family
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anxin.cli import app


def test_chat_pays_mum_after_yes(
    client: TestClient, admin: dict[str, str], database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    people: dict[str, Any] = family(client, admin)
    monkeypatch.setenv("ANXIN_CHAT_PASSWORD", PASSWORD)
    monkeypatch.setenv("ANXIN_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("ANXIN_SECRET_KEY", "test-secret")
    result = CliRunner().invoke(
        app, ["chat", "--user", "xiaoming", "--db", database_url], input="给妈妈转五百\n确认\n"
    )
    assert result.exit_code == 0, result.output
    assert "¥500.00" in result.output and "已向妈妈转账" in result.output
    assert balance(client, people["mum"]) == "500.00"


def test_chat_wrong_password_exits_2(
    client: TestClient, admin: dict[str, str], database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    family(client, admin)
    monkeypatch.setenv("ANXIN_CHAT_PASSWORD", "wrong password!")
    monkeypatch.setenv("ANXIN_DATA_DIR", str(tmp_path / "cli"))
    result = CliRunner().invoke(app, ["chat", "--user", "xiaoming", "--db", database_url],
                                input="查余额\n")  # fmt: skip
    assert result.exit_code == 2


def test_chat_help() -> None:
    result = CliRunner().invoke(app, ["chat", "--help"])
    assert result.exit_code == 0 and "--user" in result.output
