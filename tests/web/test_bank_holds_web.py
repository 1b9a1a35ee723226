"""Withdrawals the risk check holds, through the pages: the order page says it waits and why,
takes the texted code or a cancel, and then says how it ended."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import REASON, challenge_everything, services_of, well_formed
from paykit import balance_of, form_on, link_verified_card, submit
from webkit import csrf_of, fund, sign_up, text_of

from anxin.core.clock import ManualClock
from anxin.payments.banks.orders import settle_due
from smskit import texted_code

# The pages read what the API tests already check on both databases; once is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


_CODE_FORM = re.compile(r'action="(/wallet/held/[^"]+/code)"')
_CANCEL_FORM = re.compile(r'action="(/wallet/held/[^"]+/cancel)"')


def _held_withdrawal(client: TestClient) -> str:
    """Sign up, fund, link a card and withdraw ¥1,500 under a challenge: the order page."""
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "3000.00")
    card_id = link_verified_card(client)
    challenge_everything(client)
    quote = form_on(client, "/wallet/withdraw", "/wallet/withdraw", {
        "card_id": card_id, "amount": "1500",
    })  # fmt: skip
    done = submit(client, quote.text, "/wallet/withdraw/confirm")
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def _form(html: str, at: str) -> dict[str, str]:
    return {"csrf": csrf_of(html), "kind": "withdraw", "order_id": at.rsplit("/", 1)[1]}


def test_a_challenged_withdrawal_waits_for_the_code_then_goes_to_the_bank(
    client: TestClient, clock: ManualClock
) -> None:
    at = _held_withdrawal(client)
    held = client.get(at)
    assert held.status_code == 200
    well_formed(held.text)
    shown = text_of(held.text)
    assert "需要验证" in shown and "尾号 0062" in shown and REASON["zh"] in shown
    assert balance_of(client, "xiaoming") == "1499.50", "amount and fee set aside"
    code_form = _CODE_FORM.search(held.text)
    assert code_form is not None and _CANCEL_FORM.search(held.text) is not None
    security = client.get("/security").text  # the security page lists it, by the card
    assert "尾号0062的银行卡" in text_of(security) and f'href="{at}"' in security

    code = texted_code(client)
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(code_form.group(1), data={**_form(held.text, at), "code": not_it})
    assert wrong.status_code == 422 and 'id="f-code-error"' in wrong.text
    right = client.post(code_form.group(1), data={**_form(held.text, at), "code": code},
                        follow_redirects=False)  # fmt: skip
    assert right.status_code == 303 and right.headers["location"] == at
    sent = client.get(at).text
    assert "处理中" in text_of(sent) and 'name="code"' not in sent
    clock.advance(seconds=10)
    settle_due(services_of(client))
    assert "已提现到尾号 0062" in text_of(client.get(at).text)
    assert balance_of(client, "xiaoming") == "1499.50"


def test_cancelling_a_held_withdrawal_gives_the_money_back(client: TestClient) -> None:
    at = _held_withdrawal(client)
    held = client.get(at).text
    cancel = _CANCEL_FORM.search(held)
    assert cancel is not None
    answer = client.post(cancel.group(1), data=_form(held, at), follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == at
    ended = text_of(client.get(at).text)
    assert "已取消" in ended and "您已取消" in ended and "退回" in ended
    settle_due(services_of(client))  # the fee leg follows
    assert balance_of(client, "xiaoming") == "3000.00"
