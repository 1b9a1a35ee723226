"""The rule condition language: what it computes, and everything it refuses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from anxin.core.errors import InvalidInput
from anxin.risk.expr import compile_condition

KINDS = {
    "amount": "money",
    "amount_z": "float",
    "new_payee": "bool",
    "user_count_1h": "int",
    "type": "text",
    "inbound_amount_24h": "money",
}


def holds(source: str, **features: Any) -> bool:
    values: dict[str, Any] = {
        "amount": Decimal("100.00"),
        "amount_z": 0.0,
        "new_payee": False,
        "user_count_1h": 1,
        "type": "payment",
        "inbound_amount_24h": Decimal(0),
    }
    values.update(features)
    return bool(compile_condition(source, KINDS).evaluate(values))


def test_conditions_compute_like_python() -> None:
    assert holds("new_payee and amount >= 5000", new_payee=True, amount=Decimal(5000))
    assert not holds("new_payee and amount >= 5000", new_payee=True, amount=Decimal("4999.99"))
    assert holds("not new_payee or user_count_1h > 3")
    assert holds("1 < user_count_1h <= 3", user_count_1h=2)
    assert not holds("1 < user_count_1h <= 3", user_count_1h=4)
    assert holds('type in ("payment", "login")')
    assert holds('type not in ["application"]')
    assert holds("amount_z * 2 + 1 > 4.5", amount_z=2.0)
    assert holds("-amount < 0")


def test_decimal_literals_are_exact_against_money() -> None:
    # 0.1 + 0.2 as floats is 0.30000000000000004; against money the literals are Decimal.
    assert holds("amount == 0.1 + 0.2", amount=Decimal("0.3"))
    assert holds("amount > 999.99", amount=Decimal("1000.00"))


def test_division_by_zero_raises_for_the_rule_engine_to_treat_as_no_match() -> None:
    condition = compile_condition("amount / inbound_amount_24h > 0.5", KINDS)
    with pytest.raises(ZeroDivisionError):
        condition.evaluate({"amount": Decimal(10), "inbound_amount_24h": Decimal(0)})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("amount.__class__", "attribute access"),
        ("amount.real > 0", "attribute access"),
        ("__import__('os').system('true')", "function calls"),
        ("open('/etc/passwd')", "function calls"),
        ("eval('1')", "function calls"),
        ("import os", "syntax error"),
        ("amount[0] > 1", "subscripts"),
        ("(lambda: 1)()", "function calls"),
        ("[x for x in (1, 2)]", "comprehensions"),
        ("(y := 1)", "assignment"),
        ("f'{amount}' == ''", "f-strings"),
        ("amount if new_payee else 0", "conditional expressions"),
        ("__builtins__", "unknown feature"),
        ("amout > 5", "did you mean 'amount'"),
        ("amount", "must be true or false"),
        ("amount ** 2 > 1", "only + - * /"),
        ("amount + amount_z > 1", "money and a float statistic"),
        ("new_payee and 3", "true/false operands"),
        ('amount > "5"', "cannot compare"),
        ("amount is None", "`is` is not allowed"),
        ("amount > 5 and", "syntax error"),
        ("user_count_1h in user_count_1h", "literal list"),
        ("", "non-empty"),
        ("1 " * 1500, "at most"),
    ],
)
def test_refused_with_a_reason_an_author_can_act_on(source: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        compile_condition(source, KINDS)
    assert message in refused.value.detail


def test_names_used_are_reported() -> None:
    condition = compile_condition("new_payee and amount > 10 and amount_z > 3", KINDS)
    assert condition.names == {"new_payee", "amount", "amount_z"}
