"""Each attack pattern is caught, with its reason stated; a traveller is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from riskkit import SHANGHAI, Story, fresh_engine

from anxin.risk.engine import RiskEngine, Verdict
from anxin.risk.lists import ListEntry, Lists
from anxin.risk.rules import RANK


@pytest.fixture
def engine() -> RiskEngine:
    return fresh_engine()


@pytest.fixture
def story(engine: RiskEngine) -> Story:
    return Story(engine)


PHNOM_PENH = (11.56, 104.92)
TOKYO = (35.68, 139.69)


def stopped(verdict: Verdict) -> bool:
    return verdict.decision != "allow"


def texts(verdict: Verdict, language: str = "zh") -> list[str]:
    return [reason[language] for reason in verdict.reasons]


def test_account_takeover_new_device_far_away_then_a_transfer(story: Story) -> None:
    end = story.habits("alice")
    at = end - timedelta(hours=12)  # an hour after her evening payment in Shanghai
    login = story.decide(
        "login", at, "alice", device_id="evil-phone", ip="203.0.113.9", where=PHNOM_PENH
    )
    assert stopped(login)
    assert {"NEW_DEVICE_LOGIN", "IMPOSSIBLE_TRAVEL"} <= set(login.codes)

    transfer = story.decide(
        "payment",
        at + timedelta(minutes=12),
        "alice",
        device_id="evil-phone",
        ip="203.0.113.9",
        where=PHNOM_PENH,
        amount="8000",
        currency="CNY",
        payee_id="mule-x",
        password_changed_at=(at + timedelta(minutes=2)).isoformat(),
    )
    assert transfer.decision in ("review", "block")
    assert "NEW_DEVICE_NEW_PAYEE" in transfer.codes
    assert "PASSWORD_CHANGED_NEW_PAYEE" in transfer.codes
    assert "新设备首次登录后30分钟内向新收款人转账¥8,000" in texts(transfer)
    assert (
        "Transfer of ¥8,000 to a new payee within 30 minutes of a first login from a new device"
        in texts(transfer, "en")
    )


def test_stolen_phone_run_of_new_merchants_at_night(story: Story) -> None:
    end = story.habits("bob")
    at = end + timedelta(hours=3 - 8)  # 3 am in Shanghai, on his own phone, a new network
    verdicts = [
        story.decide(
            "payment",
            at + timedelta(minutes=6 * n),
            "bob",
            device_id="bob-phone",
            ip="100.64.9.9",
            where=(31.30, 121.60),
            amount=amount,
            currency="CNY",
            payee_id=f"m-new-{n}",
        )
        for n, amount in enumerate(("4.50", "1200", "2600", "3100"))
    ]
    assert all(stopped(v) for v in verdicts[1:])
    assert "NEW_PAYEE_RUN" in verdicts[-1].codes
    assert any("1小时内向4个新收款人付款" in text for text in texts(verdicts[-1]))


def test_scam_large_transfer_to_a_new_payee_from_home(story: Story) -> None:
    end = story.habits("carol")
    verdict = story.decide(
        "payment",
        end + timedelta(hours=11 - 8),
        "carol",
        device_id="carol-phone",
        ip="10.0.0.7",
        where=SHANGHAI,
        amount="20000",
        currency="CNY",
        payee_id="safe-account-77",
    )
    assert stopped(verdict)
    assert "LARGE_FIRST_PAYMENT" in verdict.codes
    assert any(text.startswith("向新收款人转账¥20,000") for text in texts(verdict))


def test_mule_ring_is_flagged_when_the_third_account_joins_and_payments_to_it_are_held(
    story: Story,
) -> None:
    story.habits("dave", days=20)
    at = story.habits("erin", days=20)
    decisions = []
    for n in range(4):
        when = at + timedelta(hours=2 * n)
        decisions.append(
            story.decide("application", when, f"mule-{n}", device_id="farm-1", ip="203.0.113.50")
        )
    assert decisions[2].decision in ("review", "block")
    assert "RING" in decisions[2].codes
    assert "3个账户共用1台设备或手机号，疑似团伙" in texts(decisions[2])[0] or any(
        "3个账户共用1台设备" in text for text in texts(decisions[2])
    )

    paid = at + timedelta(hours=10)
    for n, user in enumerate(("dave", "erin")):
        inbound = story.decide(
            "payment",
            paid + timedelta(minutes=n),
            user,
            device_id=f"{user}-phone",
            ip="10.0.0.7",
            where=SHANGHAI,
            amount="3000",
            currency="CNY",
            payee_id="mule-0",
        )
        assert stopped(inbound) and "PAYEE_IN_RING" in inbound.codes
    cash_out = story.decide(
        "payment",
        paid + timedelta(minutes=20),
        "mule-0",
        device_id="farm-1",
        ip="203.0.113.50",
        amount="5800",
        currency="CNY",
        payee_id="otc-desk",
    )
    assert cash_out.decision in ("review", "block")
    assert {"RING", "MULE_CASH_OUT"} <= set(cash_out.codes)


def test_application_burst_from_linked_identities(story: Story) -> None:
    at = story.habits("frank", days=5)
    verdicts = [
        story.decide(
            "application",
            at + timedelta(minutes=7 * n),
            f"synth-{n}",
            device_id=f"emu-{n % 2}",
            ip=f"203.0.113.{70 + n % 2}",
            phone=f"+8617000000{n % 3}",
        )
        for n in range(5)
    ]
    # The second shares no device, IP or phone with the first: nothing links them yet (the
    # model, which would stop every sign-up on its base rate, does not score applications).
    # From the third on, each shares a device or phone with an earlier one.
    assert not stopped(verdicts[1])
    assert all(stopped(v) for v in verdicts[2:])
    assert "APPLICATION_SHARED_DEVICE" in verdicts[2].codes
    assert "LINKED_APPLICATION_BURST" in verdicts[3].codes  # four linked by device or phone


def test_traveller_abroad_on_a_known_phone_is_not_blocked(story: Story) -> None:
    end = story.habits("grace")
    landed = end + timedelta(hours=3)  # noon in Tokyo, 16 hours after her last payment
    verdicts = [
        story.decide(
            "login", landed, "grace", device_id="grace-phone", ip="198.51.100.4", where=TOKYO
        )
    ]
    for n, (amount, currency) in enumerate((("1800", "JPY"), ("95.00", "CNY"), ("2400", "JPY"))):
        verdicts.append(
            story.decide(
                "payment",
                landed + timedelta(minutes=40 * (n + 1)),
                "grace",
                device_id="grace-phone",
                ip="198.51.100.4",
                where=(TOKYO[0] + 0.01 * n, TOKYO[1]),
                amount=amount,
                currency=currency,
                payee_id=f"m-tokyo-{n}",
            )
        )
    assert all(v.decision != "block" for v in verdicts)
    assert sum(stopped(v) for v in verdicts) <= 1
    assert not any("IMPOSSIBLE_TRAVEL" in v.codes for v in verdicts)


def test_block_list_wins_expired_entries_do_not_and_allow_list_trusts(
    story: Story, engine: RiskEngine
) -> None:
    end = story.habits("heidi", days=10)
    cutoff = story.event("login", end, "heidi").ts
    engine.lists = Lists(
        [
            ListEntry("block", "device", "stolen-1", None, "reported stolen", "analyst", 0),
            ListEntry("block", "ip", "198.51.100.66", cutoff, "old proxy", "analyst", 0),
            ListEntry("allow", "account", "heidi", None, "verified by phone", "analyst", 0),
        ]
    )
    blocked = story.decide("login", end + timedelta(hours=1), "heidi", device_id="stolen-1")
    assert blocked.decision == "block" and blocked.codes[0] == "BLOCKLIST_DEVICE"
    assert blocked.reasons[0]["zh"] == "设备在黑名单上"

    trusted = story.decide(
        "login", end + timedelta(hours=2), "heidi", device_id="new-phone", ip="198.51.100.66"
    )
    assert trusted.decision == "allow" and trusted.codes[0] == "ALLOWLIST_ACCOUNT"


def test_decisions_and_scores_agree(story: Story, engine: RiskEngine) -> None:
    thresholds = engine.rules.thresholds
    end = story.habits("ivan", days=10)
    verdict = story.decide(
        "payment", end, "ivan", device_id="x", ip="203.0.113.1", amount="9000", payee_id="new"
    )
    rank = RANK[verdict.decision]
    assert 0.0 <= verdict.score <= 1.0
    if rank:
        assert verdict.score >= thresholds[verdict.decision]
