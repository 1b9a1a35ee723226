"""The pure decisions: fees, card numbers, the sandbox's answers, QR codes, settlement
amounts and the reconciliation diff. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.core.errors import InvalidInput
from anxin.core.money import Money
from anxin.payments.banks.cards import card_digits, luhn_valid
from anxin.payments.banks.connector import BankAnswer, BankOrder
from anxin.payments.banks.fees import FeeRule, parse_schedule, schedule, withdrawal_fee
from anxin.payments.banks.orders import DECLINED, SUCCEEDED, TIMED_OUT, next_status
from anxin.payments.banks.periods import business_day, day_bounds, month_start
from anxin.payments.banks.sandbox import SandboxBank, SandboxConfig, decide
from anxin.payments.merchants.qr import QrPayload, decode_qr, encode_qr
from anxin.payments.merchants.reconcile import Line, parse_statement, reconcile, write_statement
from anxin.payments.merchants.settlement import Position, settlement_amount

rules = st.builds(
    FeeRule,
    currency=st.just("CNY"),
    monthly_free_allowance=st.integers(0, 10**7),
    rate=st.decimals(min_value=0, max_value=Decimal("0.05"), places=5),
    minimum=st.integers(1, 10_000),
)


@given(rules, st.integers(1, 10**9), st.integers(0, 10**8))
def test_fees_are_never_negative_and_never_above_rate_plus_minimum(
    rule: FeeRule, amount: int, used: int
) -> None:
    fee = withdrawal_fee(rule, amount, used)
    assert fee.fee >= 0 and fee.free_part + fee.charged_part == amount
    assert fee.free_part <= max(0, rule.monthly_free_allowance - used)
    exact = Decimal(fee.charged_part) * rule.rate
    if fee.charged_part == 0:
        assert fee.fee == 0
    else:
        assert exact <= fee.fee <= exact + rule.minimum  # house's favour, within the promise
        assert fee.fee >= rule.minimum
    assert fee.total == amount + fee.fee


@given(rules, st.integers(1, 10**8), st.integers(1, 10**8), st.integers(0, 10**8))
def test_withdrawing_more_never_costs_less(rule: FeeRule, a: int, b: int, used: int) -> None:
    low, high = sorted((a, b))
    assert withdrawal_fee(rule, low, used).fee <= withdrawal_fee(rule, high, used).fee


def test_the_shipped_schedule_and_refused_schedules() -> None:
    cny = schedule()["CNY"]
    assert (cny.monthly_free_allowance, cny.rate, cny.minimum) == (100_000, Decimal("0.001"), 10)
    assert withdrawal_fee(cny, 100_000, 0).fee == 0
    assert withdrawal_fee(cny, 100_001, 0).fee == 10  # one fen over: the minimum
    assert withdrawal_fee(cny, 250_000, 50_000).fee == 200  # 500 free, 2,000 at 0.1 %
    for bad in (
        "withdrawal: {CNY: {monthly_free_allowance: '1', rate: '0.5', minimum: '0'}}",
        "withdrawal: {CNY: {monthly_free_allowance: '1', rate: '1.5', minimum: '1'}}",
        "withdrawal: {CNY: {monthly_free_allowance: '1.001', rate: '0', minimum: '0'}}",
        "withdrawal: {XXX: {monthly_free_allowance: '1', rate: '0', minimum: '0'}}",
        "withdrawal: {CNY: {rate: '0.001', minimum: '0.10'}}",
        "fees: []",
    ):
        with pytest.raises(ValueError):
            parse_schedule(bad)


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_exactly_one_check_digit_completes_a_card_number(body: str) -> None:
    assert sum(luhn_valid(body + digit) for digit in "0123456789") == 1


def test_card_numbers_as_people_type_them() -> None:
    assert card_digits(" 6222-0000 0000 0009 ") == "6222000000000009"
    for bad in (
        "6222 0000 0000 0008",
        "1234",
        "6222 0000 0000 000x",
        "６２２２０００００００００００９",
    ):
        with pytest.raises(InvalidInput):
            card_digits(bad)


def test_the_sandbox_is_seeded_deterministic_and_honours_its_rates() -> None:
    config = SandboxConfig(seed=42, decline_rate=0.3, timeout_rate=0.2)
    first = [decide(config, n, "rates") for n in range(1, 401)]
    assert first == [decide(config, n, "rates") for n in range(1, 401)]
    assert first != [decide(SandboxConfig(seed=43, decline_rate=0.3, timeout_rate=0.2), n,
                            "rates") for n in range(1, 401)]  # fmt: skip
    share = {s: sum(o.status == s for o in first) / 400 for s in ("declined", "silent")}
    assert 0.2 < share["declined"] < 0.4 and 0.12 < share["silent"] < 0.28
    assert all(1 <= o.delay_seconds <= 5 for o in first)
    assert decide(config, 7, "decline").status == "declined"
    assert decide(config, 7, "silent").status == "silent"
    assert decide(SandboxConfig(decline_rate=1, timeout_rate=0), 1, "approve").status == (
        "confirmed"
    )
    with pytest.raises(ValueError):
        SandboxConfig(decline_rate=0.7, timeout_rate=0.7)


def test_the_sandbox_answers_only_after_its_delay() -> None:
    bank = SandboxBank(SandboxConfig(seed=1, decline_rate=0, timeout_rate=0))
    card = bank.enrol_card("6222000000000009", "王小明")
    assert card.sandbox_hint is not None
    assert bank.check_verification(card.token, card.sandbox_hint.rsplit(" ", 1)[1])
    sent = datetime(2026, 11, 1, tzinfo=UTC)
    order = BankOrder("01ORDER", "topup", card.token, Money.parse("1.00", "CNY"))
    reference = bank.submit(order)
    assert bank.submit(BankOrder("01ORDER", "topup", card.token, order.amount, reference)) == (
        reference
    )
    placed = BankOrder("01ORDER", "topup", card.token, order.amount, reference, sent)
    assert bank.status(placed, sent).status == "pending"
    assert bank.status(placed, sent + timedelta(seconds=5)).status == "confirmed"


def test_a_bank_answer_wins_over_the_deadline() -> None:
    assert next_status(BankAnswer("confirmed"), now=10, deadline=5) == SUCCEEDED
    assert next_status(BankAnswer("declined"), now=1, deadline=5) == DECLINED
    assert next_status(BankAnswer("pending"), now=5, deadline=5) == TIMED_OUT
    assert next_status(BankAnswer("pending"), now=4, deadline=5) is None


def test_business_days_and_months_run_on_beijing_time() -> None:
    late_utc = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 November in Beijing
    assert business_day(late_utc) == date(2026, 11, 1)
    start, end = day_bounds(date(2026, 11, 1))
    assert end - start == 86_400_000_000
    assert month_start(late_utc) == start


KEY = b"k" * 32


@given(st.integers(0, 200), st.sampled_from("ABCxyz019-_"))
def test_any_change_to_a_qr_code_is_refused(position: int, char: str) -> None:
    payload = QrPayload("01MERCHANT", "CNY", Money.parse("12.50", "CNY"), "A-1", 10**18)
    code = encode_qr(payload, KEY)
    assert decode_qr(code, KEY, 0) == payload
    index = position % len(code)
    changed = code[:index] + char + code[index + 1 :]
    if changed != code:
        with pytest.raises(InvalidInput):
            decode_qr(changed, KEY, 0)
    with pytest.raises(InvalidInput, match="altered"):
        decode_qr(code, b"another key", 0)


def test_an_expired_qr_code_is_refused() -> None:
    code = encode_qr(QrPayload("01M", "CNY", None, None, 1_000), KEY)
    assert decode_qr(code, KEY, 999).amount is None
    with pytest.raises(InvalidInput, match="expired"):
        decode_qr(code, KEY, 1_000)


@given(st.integers(0, 10**9), st.integers(-(10**9), 10**9))
def test_settlement_pays_at_most_what_is_available_and_never_the_next_days(
    available: int, later_net: int
) -> None:
    paid = settlement_amount(Position("m", available, later_net))
    assert 0 <= paid <= available
    if later_net >= 0:
        assert paid == max(0, available - later_net)  # the next day's takings stay


def test_reconciliation_names_every_kind_of_mismatch() -> None:
    day = date(2026, 11, 1)
    ours = [
        Line(day, "m1", "t1", Decimal("10.00")),
        Line(day, "m1", "t2", Decimal("-2.00")),
        Line(day, "m1", "t3", Decimal("5.00")),
        Line(day, "m2", "t4", Decimal("1.00")),
        Line(date(2026, 11, 2), "m1", "t5", Decimal("7.00")),
    ]
    text = write_statement([
        Line(day, "m1", "t1", Decimal("10.00")),
        Line(day, "m1", "t2", Decimal("-2.50")),
        Line(day, "m1", "t2", Decimal("-2.50")),
        Line(day, "m1", "t4", Decimal("1.00")),
        Line(day, "m1", "t5", Decimal("7.00")),
        Line(day, "m1", "t9", Decimal("3.00")),
    ])  # fmt: skip
    theirs = parse_statement("\ufeff" + text + "\n")
    found = [(m.kind, m.transfer_id) for m in reconcile(theirs, ours, {day})]
    assert sorted(found) == [
        ("amount_differs", "t2"), ("date_differs", "t5"), ("duplicate", "t2"),
        ("merchant_differs", "t4"), ("missing_in_csv", "t3"), ("missing_in_ledger", "t9"),
    ]  # fmt: skip
    assert reconcile(parse_statement(write_statement(ours[:4])), ours, {day}) == []
    for bad in ("date,amount\n", "date,merchant_id,transfer_id,amount\nx,m,t,1\n",
                "date,merchant_id,transfer_id,amount\n2026-11-01,m,t,1e3\n"):  # fmt: skip
        with pytest.raises(InvalidInput, match="line"):
            parse_statement(bad)
