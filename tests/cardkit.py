"""Linking a sandbox bank card over HTTP, as the bank, risk and web tests all need to."""

from __future__ import annotations

from fastapi.testclient import TestClient

APPROVES = "6200 0000 0000 0062"  # the sandbox bank approves every order on this card


def link_card(client: TestClient, headers: dict[str, str], number: str = APPROVES) -> str:
    """Bind a card and answer the sandbox's micro-deposit from its hint; the card's id."""
    bound = client.post("/v1/cards", json={"number": number, "holder_name": "王小明"},
                        headers=headers)  # fmt: skip
    assert bound.status_code == 201, bound.text
    hint = bound.json()["verification"]["sandbox_hint"]
    verified = client.post(f"/v1/cards/{bound.json()['id']}/verify",
                           json={"amount": hint.rsplit(" ", 1)[1]}, headers=headers)  # fmt: skip
    assert verified.status_code == 200 and verified.json()["status"] == "verified", verified.text
    return str(bound.json()["id"])
