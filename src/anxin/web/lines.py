"""Statement lines: a ledger entry with what it was for and with whom, in the user's words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anxin.api.services import Services
from anxin.core.errors import NotFound
from anxin.payments.bills.registry import BILLERS
from anxin.payments.contacts import list_contacts
from anxin.web import suggestions as s
from anxin.web.categories import category_of
from anxin.web.i18n import Lang, translate


@dataclass(frozen=True, slots=True)
class Line:
    seq: int
    transfer_id: str
    amount: int
    balance_after: int
    at: int
    currency: str
    kind: str | None
    biller: str | None
    category: str
    counterpart_user: str | None
    note: str | None
    reversal: bool


def line_from(entry: dict[str, Any], currency: str) -> Line:
    meta = entry.get("meta") or {}
    amount = int(entry["amount"])
    other = meta.get("to_user") if amount < 0 else meta.get("from_user")
    return Line(
        seq=int(entry["account_seq"]), transfer_id=entry["transfer_id"], amount=amount,
        balance_after=int(entry["balance_after"]), at=int(entry["recorded_at"]),
        currency=currency, kind=meta.get("type"), biller=meta.get("biller"),
        category=category_of(meta), counterpart_user=other if isinstance(other, str) else None,
        note=meta.get("note"), reversal=entry.get("reverses_id") is not None,
    )  # fmt: skip


class Names:
    """What the user calls the people on their statement: the contact's name, else theirs.

    Looked up once per person per request; `handle` is what the transfer form accepts.
    """

    def __init__(self, services: Services, owner_id: str) -> None:
        self.services = services
        self.contacts = {c.payee_user_id: c.name for c in list_contacts(services.db, owner_id)}
        self._seen: dict[str, tuple[str, str]] = {}

    def _lookup(self, user_id: str) -> tuple[str, str]:
        if user_id not in self._seen:
            if user_id in self.contacts:
                self._seen[user_id] = (self.contacts[user_id], self.contacts[user_id])
            else:
                try:
                    user = self.services.identity.user(user_id)
                    self._seen[user_id] = (user.display_name, user.username)
                except NotFound:
                    self._seen[user_id] = ("?", "")
        return self._seen[user_id]

    def name(self, user_id: str) -> str:
        return self._lookup(user_id)[0]

    def handle(self, user_id: str) -> str:
        return self._lookup(user_id)[1]

    def called(self, handle: str) -> str:
        """The name for a handle met earlier in this request (the handle itself otherwise)."""
        return next((name for name, known in self._seen.values() if known == handle), handle)


def biller_name(code: str | None, lang: Lang) -> str:
    info = BILLERS.get(code or "")
    if info is None:
        return code or ""
    return info.name_zh if lang == "zh" else info.name_en


def describe(line: Line, names: Names, lang: Lang) -> str:
    """One plain sentence for a statement line: 转账给妈妈, 电费缴费, 银行卡充值..."""
    if line.reversal:
        return translate(lang, "line.reversal")
    if line.kind == "p2p" and line.counterpart_user:
        key = "line.p2p_out" if line.amount < 0 else "line.p2p_in"
        return translate(lang, key, name=names.name(line.counterpart_user))
    if line.biller and line.kind == "topup":
        return translate(lang, "line.phone_topup")
    if line.biller:
        return translate(lang, "line.bill", biller=biller_name(line.biller, lang))
    known = {"topup", "withdrawal", "fee", "fx", "merchant_payment", "merchant_refund",
             "salary-split"}  # fmt: skip
    if line.kind in known:
        return translate(lang, f"line.{line.kind}")
    return translate(lang, "line.money_in" if line.amount > 0 else "line.money_out")


def activity_of(line: Line, names: Names) -> s.Activity | None:
    """The habit a statement line shows, for the home page's suggestions."""
    if line.reversal:
        return None
    if line.kind == "p2p" and line.amount < 0 and line.counterpart_user:
        return s.Activity(s.TRANSFER, names.handle(line.counterpart_user) or None, line.at)
    if line.biller and line.kind == "topup":
        return s.Activity(s.PHONE_TOPUP, None, line.at)
    action = {
        "bill": s.BILL, "topup": s.TOPUP, "withdrawal": s.WITHDRAW,
        "merchant_payment": s.MERCHANT, "fx": s.FX,
    }.get(line.kind or "")  # fmt: skip
    if action is None or (action == s.FX and line.amount > 0):
        return None
    return s.Activity(action, line.biller if action == s.BILL else None, line.at)
