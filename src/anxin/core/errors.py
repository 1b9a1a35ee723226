"""One error hierarchy for every capability, rendered as RFC 9457 problem details.

Each error class carries a stable `type` URI, a short human `title` and an HTTP status, so
the API layer can map any of them to `application/problem+json` without knowing where it
came from, and clients can branch on `type` rather than on prose.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "urn:anxin:problem:"


class AnxinError(Exception):
    """Base for every error a client may see; anything else becomes a 500 without detail."""

    slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    status: ClassVar[int] = 500

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body for this error."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        if instance is not None:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InvalidInput(AnxinError):
    slug, title, status = "invalid-input", "Invalid input", 422


class NotFound(AnxinError):
    slug, title, status = "not-found", "Not found", 404


class Conflict(AnxinError):
    slug, title, status = "conflict", "Conflict", 409


class InsufficientFunds(Conflict):
    slug, title = "insufficient-funds", "Insufficient funds"


class InvalidState(Conflict):
    slug, title = "invalid-state", "Not allowed in the current state"


class AmountChanged(InvalidState):
    """What is due now differs from what the payer confirmed (a late fee since, say)."""

    slug, title = "amount-changed", "The amount changed since it was confirmed"


class IdempotencyMismatch(Conflict):
    slug, title = "idempotency-key-reused", "Idempotency key reused with a different request"


class Unauthenticated(AnxinError):
    slug, title, status = "unauthenticated", "Authentication required", 401


class Forbidden(AnxinError):
    slug, title, status = "forbidden", "Forbidden", 403


class PaymentRefused(Forbidden):
    """The risk check stopped a payment; `reasons` say why in the payer's language."""

    slug, title = "payment-refused", "Payment refused by the risk check"


class AccountFrozen(Forbidden):
    """The account is frozen (by its owner or an analyst): it can receive, not send."""

    slug, title = "account-frozen", "Account frozen"


class CardFrozen(Forbidden):
    slug, title = "card-frozen", "Card frozen"


class StepUpRequired(Unauthenticated):
    """The password was right, and the risk check asks for the one-time code it sent before
    a session is given: `challenge_id` is what `POST /v1/auth/login/verify` takes."""

    slug, title = "step-up-required", "One-time code required"


class LoginRefused(Forbidden):
    """The risk check refused a login whose password was right; `reasons` say why."""

    slug, title = "login-refused", "Login refused by the risk check"


class SignUpRefused(Forbidden):
    """The risk check refused to open an account; nothing was created. `reasons` say why."""

    slug, title = "sign-up-refused", "Sign-up refused by the risk check"


class RateLimited(AnxinError):
    slug, title, status = "rate-limited", "Too many attempts", 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(AnxinError):
    slug, title, status = "unavailable", "Service unavailable", 503


ERROR_TYPES: dict[str, type[AnxinError]] = {
    cls.slug: cls
    for cls in (
        AnxinError,
        InvalidInput,
        NotFound,
        Conflict,
        InsufficientFunds,
        InvalidState,
        IdempotencyMismatch,
        Unauthenticated,
        Forbidden,
        PaymentRefused,
        Unavailable,
    )
}
"""Refusals stored for idempotent replay are rebuilt from their slug through this table."""
