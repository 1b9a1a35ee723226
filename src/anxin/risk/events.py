"""Risk events: what the engine decides on, parsed strictly from JSON objects.

The wire format is the `anxin risk replay` contract: `event_id`, `type`, `ts` (ISO 8601),
`user_id`, then `device_id`, `ip`, `lat`, `lon`, `amount`, `currency`, `payee_id`, optional
by type. Two optional extensions feed signals the contract has no field for: `phone` (links
applications that share a phone number) and `password_changed_at` (ISO 8601, the user's last
password change as identity knows it). Any other field (a simulator's `label`, say) is
ignored, so producers can add fields without breaking the engine.

Amounts are Decimal from the start: a JSON-number amount is read with `parse_float=Decimal`
(`decode`), so `8000.10` never passes through a float.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, NamedTuple

from anxin.core.clock import from_micros, to_micros
from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency, parse_decimal

EVENT_TYPES: Final = ("login", "payment", "application")
DEFAULT_CURRENCY: Final = "CNY"
"""A payment without `currency` is in the wallet's home currency."""
EPOCH: Final = from_micros(0)
MICROSECOND: Final = timedelta(microseconds=1)
MAX_TEXT: Final = 200
_scan: Final[Callable[[str, int], tuple[Any, int]]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set in __init__, not in the stubs
_TRAILING: Final = frozenset({"\n", "\r\n", ""})


class Event(NamedTuple):
    """One event; `ts` and `password_changed_at` are UTC microseconds since the epoch.

    A NamedTuple rather than a dataclass: it is immutable and the cheapest record to build,
    which matters at tens of thousands of events per second.
    """

    event_id: str
    type: str
    ts: int
    user_id: str
    device_id: str | None = None
    ip: str | None = None
    lat: float | None = None
    lon: float | None = None
    amount: Money | None = None
    payee_id: str | None = None
    phone: str | None = None
    password_changed_at: int | None = None


def decode(line: str | bytes) -> dict[str, Any]:
    """One JSONL line as a dict, with a JSON-number amount read exactly as Decimal.

    Floats are fine for coordinates, so the line is decoded plainly first and decoded again
    with `parse_float=Decimal` only when the amount turns out to be a JSON float (rare:
    amounts normally arrive as strings), which keeps the common case fast.

    The common case also skips `json.loads`' own checks (encoding sniffing, whitespace): a
    UTF-8 line holding one object and a newline goes straight to the C scanner. Anything
    else takes `json.loads`, which accepts and refuses exactly what it always did, with its
    own messages.
    """
    obj: Any = None
    try:
        text = line.decode() if isinstance(line, bytes) else line
        obj, end = _scan(text, 0)
        if end != len(text) and text[end:] not in _TRAILING:
            obj = None
    except (ValueError, StopIteration):
        obj = None
    try:
        if obj is None:
            obj = json.loads(line)
        if isinstance(obj, dict) and isinstance(obj.get("amount"), float):
            obj = json.loads(line, parse_float=Decimal)
    except ValueError as exc:
        raise InvalidInput(f"not valid JSON ({exc.args[0]})") from None
    if not isinstance(obj, dict):
        raise InvalidInput("an event must be a JSON object")
    return obj


def parse_event(obj: Mapping[str, Any]) -> Event:
    """Validate a decoded event; strict because a silently misread event is a wrong decision."""
    get = obj.get
    # Text fields: a plain short string is taken as it is (the common case, one check
    # here); anything else goes to `_text`/`_required`, which accept or explain.
    event_id, user_id = get("event_id"), get("user_id")
    if event_id.__class__ is not str or not 0 < len(event_id) <= MAX_TEXT:
        event_id = _required(obj, "event_id")
    kind = get("type")
    if kind not in EVENT_TYPES:
        raise InvalidInput(
            f"type must be one of {', '.join(EVENT_TYPES)}, got {kind!r}", field="type"
        )
    ts = _instant(get("ts"), "ts")
    if ts is None:
        raise InvalidInput("ts is required", field="ts")
    if user_id.__class__ is not str or not 0 < len(user_id) <= MAX_TEXT:
        user_id = _required(obj, "user_id")
    lat, lon = _number(get("lat"), "lat", 90), _number(get("lon"), "lon", 180)
    if (lat is None) != (lon is None):
        raise InvalidInput("lat and lon come together or not at all", field="lat")
    amount = _amount(obj, kind)
    device_id, ip, payee_id = get("device_id"), get("ip"), get("payee_id")
    if payee_id.__class__ is not str or not 0 < len(payee_id) <= MAX_TEXT:
        payee_id = _text(obj, "payee_id")
    if kind == "payment" and payee_id is None:
        raise InvalidInput("a payment needs payee_id", field="payee_id")
    if device_id.__class__ is not str or not 0 < len(device_id) <= MAX_TEXT:
        device_id = _text(obj, "device_id")
    if ip.__class__ is not str or not 0 < len(ip) <= MAX_TEXT:
        ip = _text(obj, "ip")
    phone, changed = get("phone"), get("password_changed_at")
    return Event(
        event_id,
        kind,
        ts,
        user_id,
        device_id,
        ip,
        lat,
        lon,
        amount,
        payee_id,
        _text(obj, "phone") if phone is not None else None,
        _instant(changed, "password_changed_at") if changed is not None else None,
    )


def _required(obj: Mapping[str, Any], field: str) -> str:
    value = _text(obj, field)
    if value is None:
        raise InvalidInput(f"{field} is required", field=field)
    return value


def _text(obj: Mapping[str, Any], field: str) -> str | None:
    value = obj.get(field)
    if value.__class__ is str and 0 < len(value) <= MAX_TEXT:
        return value
    if value is None or value == "":
        return None
    raise InvalidInput(f"{field} must be a string of at most {MAX_TEXT} characters", field=field)


def _instant(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 string", field=field)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} {value!r} is not an ISO 8601 time", field=field) from None
    if when.tzinfo is None:  # a time without an offset is UTC, as everywhere in Anxin
        return to_micros(when)
    return (when - EPOCH) // MICROSECOND  # = to_micros(when), in two C-level operations


def _number(value: Any, field: str, bound: int) -> float | None:
    """A coordinate; a float is fine here, it is a position, not money."""
    if value.__class__ is float and -bound <= value <= bound:
        return value  # the common case, checked cheaply
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidInput(f"{field} must be a number", field=field)
    number = float(value)
    if not -bound <= number <= bound:  # also refuses NaN
        raise InvalidInput(f"{field} must be between -{bound} and {bound}", field=field)
    return number


def _amount(obj: Mapping[str, Any], kind: str) -> Money | None:
    raw = obj.get("amount")
    if raw is None:
        if kind == "payment":
            raise InvalidInput("a payment needs an amount", field="amount")
        return None
    currency = check_currency(obj.get("currency") or DEFAULT_CURRENCY)
    if isinstance(raw, bool):
        raise InvalidInput("amount must be a decimal string or number", field="amount")
    if isinstance(raw, int | Decimal):
        amount = Decimal(raw)
    elif raw.__class__ is str and raw.isascii() and _plain_decimal(raw):
        amount = Decimal(raw)  # the common case, without parse_decimal's regular expression
    else:
        amount = parse_decimal(raw)
    money = Money(amount, currency)
    if money.amount <= 0:
        raise InvalidInput(f"amount must be greater than zero, got {raw}", field="amount")
    return money


def _plain_decimal(text: str) -> bool:
    """ASCII digits, optionally a point and more digits: a subset of what `parse_decimal`
    accepts, so taking this shortcut never accepts anything it would refuse."""
    whole, point, fraction = text.partition(".")
    return whole.isdigit() and (not point or fraction.isdigit())
