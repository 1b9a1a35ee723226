"""The sandbox bank: behaves like a real bank, moves no real money, and says so.

It answers late (a random delay), declines some orders and never answers others, at rates
you configure (`ANXIN_BANK_SANDBOX_*`). Every decision is a pure function of the seed and
the order's sequence number, which the sandbox writes into its reference: the same seed and
the same sequence of orders give the same answers (deterministic tests), and a restarted
process still knows what it decided, without keeping any state of its own.

Test cards force an outcome whatever the rates say:

| number              | behaviour                          |
|---------------------|------------------------------------|
| 6200 0000 0000 0062 | always approves (after the delay)  |
| 6200 0000 0000 0047 | always declines                    |
| 6200 0000 0000 0054 | never answers (the order times out)|

Any other Luhn-valid number follows the configured rates. Card verification is a
micro-deposit: the sandbox "sends" 0.01-0.99 to the card and, since there is no real
statement to read it from, tells you the amount in `sandbox_hint`.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

from anxin.core.errors import InvalidInput
from anxin.core.money import Money
from anxin.core.settings import Settings
from anxin.payments.banks.connector import BankAnswer, BankOrder, CardEnrolment

Behaviour = Literal["rates", "approve", "decline", "silent"]
TEST_CARDS: dict[str, Behaviour] = {
    "6200000000000062": "approve",
    "6200000000000047": "decline",
    "6200000000000054": "silent",
}
DECLINE_REASONS = (
    "余额不足 insufficient funds",
    "超出单日限额 daily limit exceeded",
    "卡片状态异常 card restricted by the issuer",
)
_TOKEN_PREFIX = "sbx"


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    seed: int = 0
    decline_rate: float = 0.05
    timeout_rate: float = 0.02
    min_delay_seconds: float = 1.0
    max_delay_seconds: float = 5.0
    answer_timeout_seconds: int = 900

    def __post_init__(self) -> None:
        if min(self.decline_rate, self.timeout_rate) < 0 or (
            self.decline_rate + self.timeout_rate > 1
        ):
            raise ValueError("sandbox decline and timeout rates must be >= 0 and sum to <= 1")
        if not 0 <= self.min_delay_seconds <= self.max_delay_seconds:
            raise ValueError("sandbox delays need 0 <= min <= max")

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxConfig:
        return cls(
            seed=settings.bank_sandbox_seed,
            decline_rate=settings.bank_sandbox_decline_rate,
            timeout_rate=settings.bank_sandbox_timeout_rate,
            min_delay_seconds=settings.bank_sandbox_min_delay_seconds,
            max_delay_seconds=settings.bank_sandbox_max_delay_seconds,
            answer_timeout_seconds=settings.bank_answer_timeout_seconds,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the sandbox will have said about an order, and how long it takes to say it."""

    status: Literal["confirmed", "declined", "silent"]
    delay_seconds: float
    reason: str | None = None


def decide(config: SandboxConfig, sequence: int, behaviour: Behaviour) -> Outcome:
    """The sandbox's answer to its `sequence`-th order: pure, seeded, reproducible."""
    rng = random.Random(f"{config.seed}:{sequence}")
    roll = rng.random()
    delay = rng.uniform(config.min_delay_seconds, config.max_delay_seconds)
    reason = DECLINE_REASONS[rng.randrange(len(DECLINE_REASONS))] + " (sandbox)"
    if behaviour == "approve":
        return Outcome("confirmed", delay)
    if behaviour == "decline":
        return Outcome("declined", delay, reason)
    if behaviour == "silent" or roll < config.timeout_rate:
        return Outcome("silent", delay)
    if roll < config.timeout_rate + config.decline_rate:
        return Outcome("declined", delay, reason)
    return Outcome("confirmed", delay)


class SandboxBank:
    """A `BankConnector` for development, demos and tests."""

    code = "sandbox"
    name = "安心沙箱银行 Anxin Sandbox Bank (test money only)"
    sandbox = True
    currencies = ("CNY",)

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def answer_timeout_seconds(self) -> int:
        return self.config.answer_timeout_seconds

    def enrol_card(self, number: str, holder_name: str) -> CardEnrolment:
        behaviour = TEST_CARDS.get(number, "rates")
        digest = hashlib.sha256(f"{self.config.seed}:{number}".encode()).hexdigest()[:24]
        token = f"{_TOKEN_PREFIX}.{behaviour}.{digest}"
        amount = self._verification_amount(token)
        return CardEnrolment(
            token=token,
            challenge=(
                f"沙箱银行已向尾号 {number[-4:]} 的卡转入 0.01-0.99 元验证金额，请输入该金额。"
                f" The sandbox bank sent 0.01-0.99 CNY to the card ending {number[-4:]}; "
                "enter that amount to prove the card is yours."
            ),
            sandbox_hint=f"sandbox: the verification amount is {amount}",
        )

    def check_verification(self, token: str, answer: str) -> bool:
        given = Money.parse(answer, "CNY", positive=True)
        return given == self._verification_amount(token)

    def submit(self, order: BankOrder) -> str:
        if order.reference is not None:
            return order.reference
        with self._lock:
            sequence = next(self._sequence)
        return f"SBX{sequence:08d}-{order.id[-6:]}"

    def status(self, order: BankOrder, now: datetime) -> BankAnswer:
        if order.reference is None or order.submitted_at is None:
            return BankAnswer("pending")
        outcome = decide(self.config, _sequence_of(order.reference), _behaviour(order.card_token))
        answered_at = order.submitted_at + timedelta(seconds=outcome.delay_seconds)
        if outcome.status == "silent" or now < answered_at:
            return BankAnswer("pending")
        return BankAnswer(outcome.status, outcome.reason)

    def _verification_amount(self, token: str) -> Money:
        digest = hashlib.sha256(f"{self.config.seed}:verify:{token}".encode()).digest()
        return Money.from_minor(int.from_bytes(digest[:4], "big") % 99 + 1, "CNY")


def _sequence_of(reference: str) -> int:
    if not reference.startswith("SBX") or not reference[3:11].isdigit():
        raise InvalidInput(f"{reference!r} is not a sandbox bank reference", field="reference")
    return int(reference[3:11])


def _behaviour(token: str) -> Behaviour:
    behaviour = token.split(".")[1] if token.startswith(_TOKEN_PREFIX + ".") else ""
    if behaviour not in get_args(Behaviour):
        raise InvalidInput(f"{token!r} is not a sandbox card token", field="card")
    return cast(Behaviour, behaviour)
