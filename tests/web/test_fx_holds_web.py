"""Currency exchanges the risk check holds, through the pages: the done page says the exchange
waits and why, takes the texted code or a cancel, and then says how it ended."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import (
    REASON,
    challenge_everything,
    in_english,
    review_everything,
    under_review,
    well_formed,
)
from paykit import balance_of, submit
from webkit import csrf_of, fund, post_form, sign_up, text_of, wallet

from smskit import texted_code

# The pages read what the API tests already check on both databases; once is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

_CODE_FORM = re.compile(r'action="(/fx/held/[^"]+/code)"')
_CANCEL_FORM = re.compile(r'action="(/fx/held/[^"]+/cancel)"')


def _held_exchange(client: TestClient) -> str:
    """Xiaoming's exchange of ¥100 for US dollars, waiting for a code: its done page."""
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    asked = post_form(client, "/fx", "/fx/quote", {
        "sell_currency": "CNY", "buy_currency": "USD", "amount": "100",
    })  # fmt: skip
    assert asked.status_code == 303, asked.text
    challenge_everything(client)
    quote = client.get(asked.headers["location"]).text
    held = submit(client, quote, asked.headers["location"] + "/convert")
    assert held.status_code == 303, held.text
    assert held.headers["location"].startswith("/fx/done/")
    return str(held.headers["location"])


def test_a_challenged_exchange_waits_for_the_texted_code_then_is_made(
    client: TestClient,
) -> None:
    at = _held_exchange(client)
    page = client.get(at)
    assert page.status_code == 200
    well_formed(page.text)
    shown = text_of(page.text)
    assert "换汇等待确认" in shown and "需要验证" in shown and REASON["zh"] in shown
    assert "¥100.00" in shown and "$13.73" in shown and "换汇成功" not in shown
    assert balance_of(client, "xiaoming") == "900.00", "set aside"
    assert wallet(client, "xiaoming")["balance"] == "1000.00", "but not sold"
    assert balance_of(client, "xiaoming", "USD") == "0.00"
    code_form = _CODE_FORM.search(page.text)
    assert code_form is not None and _CANCEL_FORM.search(page.text) is not None
    security = client.get("/security").text  # listed there too, as an exchange into USD
    assert "换成USD" in text_of(security) and f'href="{at}"' in security
    form = {"csrf": csrf_of(page.text), "transfer_id": at.rsplit("/", 1)[1]}

    code = texted_code(client)
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(code_form.group(1), data={**form, "code": not_it})
    assert wrong.status_code == 422 and 'id="f-code-error"' in wrong.text
    assert "验证码不对" in text_of(wrong.text)
    assert balance_of(client, "xiaoming", "USD") == "0.00"

    right = client.post(code_form.group(1), data={**form, "code": code}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == at
    done = client.get(at).text
    assert "已用 ¥100.00 换得 $13.73" in text_of(done) and 'name="code"' not in done
    assert wallet(client, "xiaoming")["balance"] == "900.00"
    assert balance_of(client, "xiaoming", "USD") == "13.73"


def test_cancelling_a_held_exchange_gives_the_money_back(client: TestClient) -> None:
    at = _held_exchange(client)
    page = client.get(at).text
    cancel = _CANCEL_FORM.search(page)
    assert cancel is not None
    answer = client.post(cancel.group(1), data={
        "csrf": csrf_of(page), "transfer_id": at.rsplit("/", 1)[1],
    }, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == at
    ended = client.get(at)
    well_formed(ended.text)
    shown = text_of(ended.text)
    assert "换汇未成功" in shown and "您已取消" in shown and "没有买入外币" in shown
    assert "得到" not in shown, "nothing was bought, so nothing is shown as got"
    assert _CANCEL_FORM.search(ended.text) is None
    assert balance_of(client, "xiaoming") == "1000.00"
    assert balance_of(client, "xiaoming", "USD") == "0.00"


@pytest.mark.parametrize("elder", ["0", "1"])
def test_an_exchange_under_review_says_so_in_english_without_a_code_form(
    client: TestClient, elder: str
) -> None:
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    in_english(client, elder)
    review_everything(client)
    asked = post_form(client, "/fx", "/fx/quote", {
        "sell_currency": "CNY", "buy_currency": "USD", "amount": "100",
    })  # fmt: skip
    quote = client.get(asked.headers["location"]).text
    held = submit(client, quote, asked.headers["location"] + "/convert")
    assert held.status_code == 303, held.text
    shown = under_review(client.get(held.headers["location"]), elder, _CANCEL_FORM, "fx")
    assert "¥100.00" in shown and "$13.73" in shown
    assert balance_of(client, "xiaoming") == "900.00"
