"""The dialogue's edge: what the assistant looks up and does, through the API's own services.

Every action here calls the same service function as the HTTP route that does the same
thing (`pay_person_now`, `pay_bill`, `top_up_mobile`, `fx.quote`/`fx.convert`,
`create_schedule`, `salary.set_rule`), so the assistant can do nothing a user could not do
through the API, and under the same checks (risk, balances, limits). `prepare` only reads
(and, for an exchange, locks a quote); money moves only in `execute`, after the dialogue's
confirmation, under the idempotency key the dialogue derives from the session and turn.
Service errors become `Refusal`s that the dialogue explains in the user's language.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from anxin.api.services import Services
from anxin.assistant.dialogue import Choice, NeedChoice, Refusal
from anxin.core.clock import from_micros, to_micros
from anxin.core.errors import (
    AmountChanged,
    AnxinError,
    Conflict,
    InsufficientFunds,
    InvalidInput,
    InvalidState,
    NotFound,
    PaymentRefused,
)
from anxin.core.money import Money, format_minor
from anxin.identity.service import User
from anxin.ledger import queries
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments import holds, salary
from anxin.payments.banks.cards import list_cards
from anxin.payments.bills import service as bills
from anxin.payments.bills import store as bill_store
from anxin.payments.bills.registry import BILLERS
from anxin.payments.bills.rules import BillChoice, check_topup_amount, choose_bill
from anxin.payments.contacts import list_contacts
from anxin.payments.fx import service as fx
from anxin.payments.p2p import PayeeRef, pay_person_now
from anxin.payments.payees import match_contacts
from anxin.payments.schedules import service as schedules
from anxin.payments.schedules.rules import simple_rule, zone
from anxin.payments.wallets import SAVINGS, WALLET, ensure_wallet, find_wallet
from anxin.risk import freezes

CHANNEL = "assistant"
RECENT = 5
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class ServiceActions:
    """`dialogue.Actions` for one signed-in user, over the running services."""

    def __init__(self, services: Services, user: User) -> None:
        self.services, self.user = services, user

    # -- looking up -----------------------------------------------------------------------

    def payees(self, said: str) -> list[Choice]:
        contacts = match_contacts(said, list_contacts(self.services.db, self.user.id))
        people: dict[str, Choice] = {}
        for contact in contacts:  # one choice per person, however many aliases matched
            people.setdefault(contact.payee_user_id, Choice(contact.id, contact.name))
        return list(people.values())

    def lookup(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        with self.services.db.read() as conn:
            accounts = queries.accounts_of(conn, self.user.id)
            if intent == "balance_query":
                return _balances(accounts)
            return _recent(conn, self.services, accounts)

    # -- preparing (nothing moves) --------------------------------------------------------

    def prepare(self, intent: str, slots: Mapping[str, Any]) -> dict[str, Any]:
        today = self.services.clock.now().astimezone(zone(schedules.DEFAULT_TIMEZONE))
        with _refusals():
            if intent == "transfer":
                return self._prepare_transfer(slots, today.date())
            if intent == "bill_pay":
                return self._prepare_bill(slots, today.date())
            if intent == "fx_exchange":
                return self._prepare_fx(slots, today.date())
            if intent == "card_freeze":
                return self._prepare_freeze(slots)
            if intent == "savings_goal":
                money = _money(slots)
                return {"type": "savings", "amount": str(money), "currency": money.currency,
                        "fee": "0.00", "goal": slots.get("goal"),
                        "date": today.date().isoformat()}  # fmt: skip
            if intent == "salary_split":
                percent = salary.parse_percent(str(slots["percent"]))
                return {"type": "salary_split", "percent": str(percent), "target": SAVINGS,
                        "fee": "0.00", "date": today.date().isoformat()}  # fmt: skip
        raise Refusal("failed", f"cannot prepare {intent}")

    def _prepare_transfer(self, slots: Mapping[str, Any], today: date) -> dict[str, Any]:
        money = _money(slots)
        when = date.fromisoformat(str(slots["date"])) if slots.get("date") else today
        action = {"type": "transfer", "payee": slots["payee_name"], "payee_id": slots["payee_id"],
                  "amount": str(money), "currency": money.currency, "fee": "0.00",
                  "date": max(when, today).isoformat()}  # fmt: skip
        frequency = slots.get("frequency")
        if frequency or when > today:
            action.update(type="schedule", repeat=frequency or "once")
            if frequency == "monthly":
                action["day_of_month"] = int(slots.get("day_of_month") or when.day)
        return action

    def _prepare_bill(self, slots: Mapping[str, Any], today: date) -> dict[str, Any]:
        info = BILLERS.get(str(slots["biller"]))
        if info is None:
            raise Refusal("failed", f"unknown biller {slots['biller']!r}")
        if info.code == "mobile":
            if not self.user.phone:
                raise Refusal("no_phone")
            money = _money(slots)
            check_topup_amount(money)
            return {"type": "topup", "biller": "mobile", "phone": self.user.phone,
                    "amount": str(money), "currency": "CNY", "fee": "0.00",
                    "date": today.isoformat()}  # fmt: skip
        bill = self._outstanding_bill(info.code, slots, today)
        fee = bill.late_fee(today)
        cur = bill.currency
        return {"type": "bill", "biller": info.code, "biller_name": info.name_zh,
                "biller_name_en": info.name_en, "bill_id": bill.id, "period": bill.period,
                "account": bill.account_number, "bill_amount": format_minor(bill.amount, cur),
                "late_fee": format_minor(fee, cur), "amount": format_minor(bill.amount + fee, cur),
                "currency": cur, "fee": "0.00", "date": today.isoformat()}  # fmt: skip

    def _outstanding_bill(self, biller: str, slots: Mapping[str, Any], today: date) -> Any:
        if slots.get("bill_id"):
            return bill_store.get_bill(self.services.db, self.user.id, str(slots["bill_id"]))
        if not bill_store.list_accounts(self.services.db, self.user.id, biller):
            raise Refusal("no_bill", "no account is bound for it", **_biller_names(biller))
        bill_store.sync_owner(self.services, self.user.id, biller)
        period = str(slots["date"])[:7] if slots.get("date") else None
        found = bill_store.list_bills(self.services.db, self.user.id, biller=biller)
        candidates = [
            BillChoice(b.id, b.bill_account_id, b.account_number, b.period,
                       b.status == bill_store.DUE, format_minor(b.amount_due(today), b.currency))
            for b in found
        ]  # fmt: skip
        try:
            chosen = choose_bill(candidates, BILLERS[biller], period, None)
        except Conflict as conflict:
            choices = conflict.extra.get("choices")
            if not choices:
                raise Refusal("no_bill", conflict.detail, **_biller_names(biller)) from None
            raise NeedChoice("bill", [
                Choice(c["bill_id"], f"{c['period']} {c['account_number']} "
                                     f"{Money.parse(str(c['amount_due']), 'CNY').shown()}")
                for c in choices
            ]) from None  # fmt: skip
        except NotFound as missing:
            raise Refusal("no_bill", missing.detail, **_biller_names(biller)) from None
        return bill_store.get_bill(self.services.db, self.user.id, chosen.id)

    def _prepare_fx(self, slots: Mapping[str, Any], today: date) -> dict[str, Any]:
        sell = _money(slots)
        row = fx.quote(self.services, self.user, sell, str(slots["target_currency"]))
        shown = fx.quote_json(row)
        return {"type": "fx", "quote_id": row["id"], "sell_amount": shown["sell"]["amount"],
                "sell_currency": sell.currency, "buy_amount": shown["buy"]["amount"],
                "buy_currency": row["buy_currency"], "rate": shown["rate"],
                "fee": shown["fee"]["amount"], "currency": sell.currency,
                "expires": shown["expires_at"], "date": today.isoformat()}  # fmt: skip

    def _prepare_freeze(self, slots: Mapping[str, Any]) -> dict[str, Any]:
        """A card when the user has one (or picked one); with no card, the whole account."""
        cards = list_cards(self.services, self.user.id)
        chosen = [c for c in cards if c["id"] == slots.get("card_id")]
        if not chosen and len(cards) > 1:
            raise NeedChoice("card", [Choice(c["id"], f"{c['bank']} ****{c['last4']}")
                                      for c in cards])  # fmt: skip
        if not chosen and not cards:
            return {"type": "freeze", "target": freezes.ACCOUNT, "what_zh": "您的安心账户",
                    "what_en": "your Anxin account",
                    "effect_zh": "不能转出、付款或提现（仍可收款和登录）",
                    "effect_en": "nothing can be sent, paid or withdrawn (you can still "
                                 "receive money and sign in)"}  # fmt: skip
        card = (chosen or cards)[0]
        return {"type": "freeze", "target": freezes.CARD, "card_id": card["id"],
                "what_zh": f"尾号 {card['last4']} 的银行卡",
                "what_en": f"the card ending {card['last4']}",
                "effect_zh": "这张卡不能充值或提现",
                "effect_en": "it cannot top up or withdraw"}  # fmt: skip

    # -- doing (after the confirmation) ---------------------------------------------------

    def execute(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        kind = action["type"]
        with _refusals(lambda: self._available(str(action.get("currency") or "CNY"))):
            if kind == "transfer":
                return self._pay_person(action, key)
            if kind == "schedule":
                return self._schedule(action, key)
            if kind in ("bill", "topup"):
                return self._pay_bill(action, key)
            if kind == "savings":
                return self._save(action, key)
            if kind == "fx":
                done = asyncio.run(
                    fx.convert(self.services, self.user, action["quote_id"], {"quote_id":
                               action["quote_id"]})
                )  # fmt: skip
                facts = {"transfer_ids": [leg.id for leg in done.legs], "replayed": done.replayed}
                return {**facts, **_hold_facts(done.hold)}
            if kind == "freeze":
                return self._freeze(action)
            if kind == "salary_split":
                salary.set_rule(self.services, self.user.id, Decimal(action["percent"]), SAVINGS)
                return {}
        raise Refusal("failed", f"unknown action {kind!r}")

    def _freeze(self, action: Mapping[str, Any]) -> dict[str, Any]:
        target = action["target"]
        subject = self.user.id if target == freezes.ACCOUNT else action["card_id"]
        try:
            freezes.freeze(
                self.services.db, self.services.clock, target, subject, user_id=self.user.id,
                actor=f"user:{self.user.id}", reason="frozen by the owner through the assistant",
            )  # fmt: skip
        except InvalidState as already:
            raise Refusal("already_frozen", already.detail) from None
        return {"frozen": True}

    def _pay_person(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        """Pay now; a payment the risk check holds says so, with why, instead of "done"."""
        result = pay_person_now(
            self.services, self.user, PayeeRef(contact_id=action["payee_id"]), _money(action),
            note=None, idempotency_key=key, body=dict(action), channel=CHANNEL,
        )  # fmt: skip
        facts: dict[str, Any] = {"transfer_id": result.transfer.id, "replayed": result.replayed}
        return {**facts, **_hold_facts(result.hold)}

    def verify(self, hold_id: str, code: str) -> dict[str, Any]:
        try:
            transfer = holds.verify_code(self.services, self.user.id, hold_id, code)
        except InvalidInput as wrong:
            raise Refusal("code_wrong", wrong.detail) from None
        except AnxinError as failed:
            raise Refusal("code_failed", failed.detail) from None
        self._check_bill_paid(transfer)
        return {"transfer_id": transfer.id, "hold_kind": None}

    def _check_bill_paid(self, transfer: TransferRow) -> None:
        """A cleared bill hold only now asks the biller, who may still refuse: then nothing was
        charged, and the reply must not say "paid"."""
        meta = transfer.meta or {}
        if meta.get("type") not in (bills.BILL, bills.TOPUP):
            return
        payment = bills.get_payment(self.services, self.user.id, str(meta["payment_id"]))
        error = bills.payment_error(payment)
        if error is not None:
            with _refusals(lambda: self._available(payment.currency)):
                raise error

    def cancel_hold(self, hold_id: str) -> None:
        # Already released (expired, or decided meanwhile): nothing is held either way.
        with contextlib.suppress(NotFound, InvalidState):
            holds.cancel_hold(self.services, self.user.id, hold_id)

    def _schedule(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        starts = date.fromisoformat(action["date"])
        rule = simple_rule(
            action["repeat"], day_of_month=action.get("day_of_month"),
            weekday=_WEEKDAYS[starts.weekday()], at="09:00",
        )  # fmt: skip
        plan = schedules.PayPerson(action["payee_id"], None, _money(action), None, rule, starts)
        schedule, _ = schedules.create_schedule(
            self.services, self.user, plan, description="安心助手 assistant",
            timezone=schedules.DEFAULT_TIMEZONE, idempotency_key=key,
            request_hash=fingerprint("assistant-schedule", dict(action)),
        )  # fmt: skip
        next_run = schedule.next_run_at()
        local = None if next_run is None else next_run.astimezone(zone(schedule.timezone))
        return {"schedule_id": schedule.id,
                "next_run": "" if local is None else f"{local:%Y-%m-%d %H:%M}"}  # fmt: skip

    def _pay_bill(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        if action["type"] == "topup":
            outcome = bills.top_up_mobile(
                self.services, self.user, action["phone"], _money(action), idempotency_key=key,
                request_hash=fingerprint("assistant-topup", dict(action)),
            )  # fmt: skip
        else:
            outcome = bills.pay_bill(
                self.services, self.user, action["bill_id"], idempotency_key=key,
                request_hash=fingerprint("assistant-bill", action["bill_id"]), channel=CHANNEL,
                confirmed_amount=_money(action).to_minor(),
            )  # fmt: skip
        if outcome.error is not None:
            raise outcome.error
        facts: dict[str, Any] = {"payment_id": outcome.payment.id, "replayed": outcome.replayed}
        return {**facts, **_hold_facts(outcome.hold)}

    def _save(self, action: Mapping[str, Any], key: str) -> dict[str, Any]:
        """Wallet to savings account: the user's own money, one ledger transfer, told once."""
        money = _money(action)
        wallet = find_wallet(self.services.ledger, self.user.id, money.currency, WALLET)
        if wallet is None:
            raise NotFound(f"you have no {money.currency} wallet", field="currency")
        savings, _ = ensure_wallet(self.services.ledger, self.user.id, money.currency, SAVINGS)
        meta = {"type": "savings", "user": self.user.id, "goal": action.get("goal")}
        spec = TransferSpec(wallet["id"], savings["id"], money.to_minor(), money.currency,
                            meta=meta)  # fmt: skip
        user_id, now = self.user.id, to_micros(self.services.clock.now())

        def tell(conn: Connection, transfers: list[TransferRow]) -> None:
            shown = money.shown()
            enqueue(conn, [Message(
                user_id, "payment",
                title_zh=f"已存入储蓄账户 {shown}", body_zh=f"您已将{shown}存入储蓄账户。",
                title_en=f"Saved {shown}", body_en=f"You moved {shown} to savings.",
                data={"transfer_id": transfers[0].id},
            )], now)  # fmt: skip

        result = self.services.writer.execute(Request(
            Create((spec,)), key, f"user:{user_id}", fingerprint("assistant-savings", dict(action)),
            effects=tell,
        ))  # fmt: skip
        return {"transfer_id": result.unwrap()[0].id, "replayed": result.replayed}

    def _available(self, currency: str) -> str:
        """What the wallet can spend now, as "¥120.00", to explain a refusal."""
        wallet = find_wallet(self.services.ledger, self.user.id, currency)
        spendable = (
            0
            if wallet is None
            else (wallet["credits_posted"] - wallet["debits_posted"] - wallet["debits_pending"])
        )
        return Money.from_minor(spendable, currency).shown()


@contextmanager
def _refusals(available: Callable[[], str] | None = None) -> Iterator[None]:
    """Service errors as refusals the dialogue can explain; nothing else is caught."""
    try:
        yield
    except InsufficientFunds as exc:
        shown = available() if available is not None else ""
        raise Refusal("insufficient_funds", exc.detail, available=shown) from None
    except PaymentRefused as exc:
        decision = str(exc.extra.get("decision", "block"))
        code = {"challenge": "risk_challenge", "review": "risk_review"}.get(decision, "risk_block")
        reasons = exc.extra.get("reasons") or [exc.detail]
        raise Refusal(code, "; ".join(str(r) for r in reasons)) from None
    except AmountChanged as exc:
        now = Money.parse(str(exc.extra["amount_due"]), str(exc.extra["currency"]))
        raise Refusal("amount_changed", exc.detail, now=now.shown()) from None
    except AnxinError as exc:
        if "expired" in exc.detail and exc.field == "quote_id":
            raise Refusal("quote_expired", exc.detail) from None
        raise Refusal("failed", exc.detail) from None


def _hold_facts(held: holds.Hold | None) -> dict[str, Any]:
    """What the reply needs of a held payment (a transfer, a bill, an exchange): which hold, what
    it waits for, and why in both languages; nothing when the payment was not held."""
    if held is None:
        return {}
    return {"hold_id": held.id, "hold_kind": held.kind,
            "why_zh": _why(held.reasons, "zh"), "why_en": _why(held.reasons, "en")}  # fmt: skip


def _why(reasons: list[dict[str, str]], lang: str) -> str:
    """The hold's reasons in one language, for the reply to explain the hold."""
    sep = "；" if lang == "zh" else "; "
    return sep.join(r.get(lang) or r.get("code", "") for r in reasons)


def _biller_names(code: str) -> dict[str, str]:
    info = BILLERS[code]
    return {"biller": info.name_zh, "biller_en": info.name_en.lower()}


def _money(slots: Mapping[str, Any]) -> Money:
    return Money.parse(str(slots["amount"]), str(slots.get("currency") or "CNY"), positive=True)


def _balances(accounts: list[dict[str, Any]]) -> dict[str, Any]:
    names = {WALLET: ("钱包", "wallet"), SAVINGS: ("储蓄", "savings")}
    mine = [a for a in accounts if a["kind"] in names]
    lines_zh, lines_en, shown = [], [], []
    for account in mine:
        cur = account["currency"]
        units = account["credits_posted"] - account["debits_posted"]
        balance, said = format_minor(units, cur), Money.from_minor(units, cur).shown()
        zh, en = names[account["kind"]]
        lines_zh.append(f"{zh} {said}")
        lines_en.append(f"{en} {said}")
        shown.append({"kind": account["kind"], "currency": cur, "balance": balance})
    return {"accounts": shown, "lines": lines_zh, "lines_en": lines_en}


def _recent(conn: Connection, services: Services, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    wallets = [a for a in accounts if a["kind"] == WALLET]
    entries = []
    for wallet in wallets:
        page = queries.history(conn, wallet["id"], cursor=None, limit=RECENT)
        entries += [(e, wallet["currency"]) for e in page.entries]
    entries.sort(key=lambda pair: -pair[0]["recorded_at"])
    shown, lines = [], []
    for entry, cur in entries[:RECENT]:
        kind = (services.ledger.transfer(entry["transfer_id"]).meta or {}).get("type", "transfer")
        amount = format_minor(entry["amount"], cur)
        day = from_micros(entry["effective_at"]).date().isoformat()
        shown.append({"transfer_id": entry["transfer_id"], "type": kind, "amount": amount,
                      "currency": cur, "date": day})  # fmt: skip
        lines.append(f"{day} {kind} {Money.from_minor(entry['amount'], cur).shown()}")
    return {"transactions": shown, "lines": lines, "lines_en": lines}
