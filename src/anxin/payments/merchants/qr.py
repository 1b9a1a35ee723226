"""Signed merchant QR codes: what the merchant shows and the payer's app scans.

`ANXIN1.<payload>.<signature>`: the payload is compact JSON (base64url) with the merchant,
currency, optional fixed amount, optional order id and expiry; the signature is HMAC-SHA256
under a key derived from the installation's secret key for this purpose only, so a QR
signature can never double as a login token. Changing one character anywhere invalidates
the code, and an expired code is refused however it is presented.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency

PREFIX = "ANXIN1"
MAX_ORDER_ID = 64


@dataclass(frozen=True, slots=True)
class QrPayload:
    merchant_id: str
    currency: str
    amount: Money | None
    order_id: str | None
    expires_at: int  # UTC microseconds


def qr_key(secret_key: bytes) -> bytes:
    """The QR signing key, derived so it signs nothing else."""
    return hmac.new(secret_key, b"anxin:merchant-qr", hashlib.sha256).digest()


def encode_qr(payload: QrPayload, key: bytes) -> str:
    body = {
        "m": payload.merchant_id,
        "c": payload.currency,
        "a": None if payload.amount is None else str(payload.amount),
        "o": payload.order_id,
        "x": payload.expires_at,
    }
    text = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{PREFIX}.{text}.{_sign(key, text)}"


def decode_qr(qr: str, key: bytes, now: int) -> QrPayload:
    """The payload of a genuine, unexpired code; anything else is a clear 422 on `qr`."""
    prefix, _, rest = qr.strip().partition(".")
    text, _, signature = rest.partition(".")
    if prefix != PREFIX or not text or not signature:
        raise InvalidInput("this is not an Anxin merchant QR code", field="qr")
    if not hmac.compare_digest(signature.encode(), _sign(key, text).encode()):
        raise InvalidInput("this QR code has been altered or is not from Anxin", field="qr")
    try:
        body = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        currency = check_currency(body["c"])
        payload = QrPayload(
            merchant_id=str(body["m"]),
            currency=currency,
            amount=None if body["a"] is None else Money.parse(body["a"], currency),
            order_id=None if body["o"] is None else str(body["o"]),
            expires_at=int(body["x"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError, InvalidInput):
        raise InvalidInput("this QR code is damaged", field="qr") from None
    if now >= payload.expires_at:
        raise InvalidInput("this QR code has expired; ask the merchant for a new one", field="qr")
    return payload


def _sign(key: bytes, text: str) -> str:
    return _b64(hmac.new(key, text.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
