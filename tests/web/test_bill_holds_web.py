"""Bill payments and top-ups the risk check holds, through the pages: the payment page says
it waits and why, takes the texted code or a cancel, and then says how it ended."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import (
    REASON,
    challenge_everything,
    in_english,
    review_everything,
    services_of,
    under_review,
    well_formed,
)
from paykit import balance_of, form_on, submit, user_named
from webkit import csrf_of, fund, post_form, sign_up, text_of, wallet

from anxin.core.money import format_minor
from anxin.payments.bills import store
from anxin.payments.bills.rules import local_today
from smskit import texted_code

# The pages read what the API tests already check on both databases; once is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


ELECTRICITY = "0312345678"
_CODE_FORM = re.compile(r'action="(/bills/held/[^"]+/code)"')
_CANCEL_FORM = re.compile(r'action="(/bills/held/[^"]+/cancel)"')


def _held_bill(client: TestClient) -> tuple[str, int]:
    """Sign up, fund, bind the electricity account and pay its bill under a challenge: where
    the payment page is, and the bill's amount in minor units."""
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    bound = post_form(client, "/bills", "/bills/accounts", {
        "biller": "electricity", "account_number": ELECTRICITY, "label": "家里",
    })  # fmt: skip
    assert bound.status_code == 303, bound.text
    services = services_of(client)
    [bill] = store.list_bills(services.db, user_named(client, "xiaoming").id, status=store.DUE)
    due = bill.amount_due(local_today(services.clock.now()))
    challenge_everything(client)
    confirm = client.get(f"/bills/{bill.id}/pay")
    paid = submit(client, confirm.text, f"/bills/{bill.id}/pay")
    assert paid.status_code == 303, paid.text
    return paid.headers["location"], due


def test_a_challenged_bill_waits_for_the_texted_code_then_is_paid(client: TestClient) -> None:
    at, due = _held_bill(client)
    held = client.get(at)
    assert held.status_code == 200
    well_formed(held.text)
    shown = text_of(held.text)
    assert "缴费等待确认" in shown and "需要验证" in shown and REASON["zh"] in shown
    assert "¥" + format_minor(due, "CNY") in shown
    assert balance_of(client, "xiaoming") == format_minor(100_000 - due, "CNY"), "set aside"
    assert wallet(client, "xiaoming")["balance"] == "1000.00", "but not taken"
    code_form = _CODE_FORM.search(held.text)
    assert code_form is not None and _CANCEL_FORM.search(held.text) is not None
    security = client.get("/security").text  # the security page lists it, by the biller's name
    assert "电费" in text_of(security) and "bill" not in text_of(security)
    assert f'href="{at}"' in security
    form = {"csrf": csrf_of(held.text), "payment_id": at.rsplit("/", 1)[1]}

    code = texted_code(client)
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(code_form.group(1), data={**form, "code": not_it})
    assert wrong.status_code == 422 and 'id="f-code-error"' in wrong.text
    assert "验证码不对" in text_of(wrong.text) and 'name="code"' in wrong.text
    assert wallet(client, "xiaoming")["balance"] == "1000.00"

    right = client.post(code_form.group(1), data={**form, "code": code}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == at
    done = text_of(client.get(at).text)
    assert "缴费成功" in done and "缴费等待确认" not in done
    assert wallet(client, "xiaoming")["balance"] == format_minor(100_000 - due, "CNY")
    assert 'name="code"' not in client.get(at).text


def test_cancelling_a_held_bill_pays_nothing_and_gives_the_money_back(
    client: TestClient,
) -> None:
    at, _ = _held_bill(client)
    held = client.get(at).text
    cancel = _CANCEL_FORM.search(held)
    assert cancel is not None
    answer = client.post(cancel.group(1), data={
        "csrf": csrf_of(held), "payment_id": at.rsplit("/", 1)[1],
    }, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == at
    ended = text_of(client.get(at).text)
    assert "缴费未成功" in ended and "您已取消" in ended and "退回" in ended
    assert balance_of(client, "xiaoming") == "1000.00"
    assert wallet(client, "xiaoming")["balance"] == "1000.00"
    services = services_of(client)
    due = store.list_bills(services.db, user_named(client, "xiaoming").id, status=store.DUE)
    assert len(due) == 1, "the bill can still be paid"


@pytest.mark.parametrize("elder", ["0", "1"])
def test_a_top_up_under_review_says_so_in_english_without_a_code_form(
    client: TestClient, elder: str
) -> None:
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "200.00")
    in_english(client, elder)
    review_everything(client)
    confirm = form_on(client, "/bills/mobile-topup", "/bills/mobile-topup", {
        "phone": "13800138000", "amount": "50", "other_amount": "",
    })  # fmt: skip
    topped = submit(client, confirm.text, "/bills/mobile-topup/confirm")
    assert topped.status_code == 303, topped.text
    shown = under_review(client.get(topped.headers["location"]), elder, _CANCEL_FORM, "bills")
    assert "Top-up of 13800138000" in shown and "¥50.00" in shown
    assert balance_of(client, "xiaoming") == "150.00"


def test_a_code_entered_on_the_security_page_lands_on_the_bill_payment(
    client: TestClient,
) -> None:
    at, due = _held_bill(client)
    security = client.get("/security").text
    action = re.search(r'action="(/security/holds/[^"]+/verify)"', security)
    assert action is not None
    answer = client.post(action.group(1), data={"csrf": csrf_of(security),
                         "code": texted_code(client)}, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == at
    assert "缴费成功" in text_of(client.get(at).text)
    assert wallet(client, "xiaoming")["balance"] == format_minor(100_000 - due, "CNY")
