"""The one settings object, read from `ANXIN_*` environment variables."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", extra="ignore")

    data_dir: Path = Field(default=Path(".anxin"), description="Where the SQLite file lives.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir."
    )
    admin_token: str | None = Field(
        default=None, description="Bearer token for /v1/ledger admin endpoints; unset = off."
    )
    secret_key: str | None = Field(
        default=None, description="Signs user tokens; default: generated once into data_dir."
    )
    clock: datetime | None = Field(
        default=None, description="Freeze the clock at this ISO 8601 instant (tests, demos)."
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for email; unset = off.")
    smtp_port: int = 25
    smtp_sender: str = "Anxin <no-reply@anxin.local>"
    sms_log: Path | None = Field(
        default=None, description="Sandbox SMS log file; default: data_dir/sms-sandbox.log."
    )
    fx_spread: Decimal = Field(default=Decimal("0.005"), ge=0, lt=1)
    fx_quote_seconds: int = Field(default=30, ge=1)
    fx_hold_seconds: int = Field(
        default=3600, ge=60, description="An exchange held for a check keeps its quoted rate "
        "at most this long (a review is usually longer): then it is released, not made.",
    )  # fmt: skip
    bank_answer_timeout_seconds: int = Field(
        default=900, ge=1, description="Wait this long for a bank's answer, then give up."
    )
    bank_sandbox_seed: int = Field(default=0, description="Seeds the sandbox bank's answers.")
    bank_sandbox_decline_rate: float = Field(default=0.05, ge=0, le=1)
    bank_sandbox_timeout_rate: float = Field(default=0.02, ge=0, le=1)
    bank_sandbox_min_delay_seconds: float = Field(default=1.0, ge=0)
    bank_sandbox_max_delay_seconds: float = Field(default=5.0, ge=0)
    withdrawal_quote_seconds: int = Field(default=600, ge=1)
    token_ttl_seconds: int = 12 * 3600
    pending_timeout_seconds: int = 3600
    idempotency_ttl_seconds: int = Field(default=48 * 3600, ge=24 * 3600)
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_window_seconds: int = 900
    redis_url: str | None = Field(
        default=None,
        description="Redis for the risk engine's velocity counters (shared by API workers); "
        "unset = kept in this process.",
    )
    risk_engine: bool = Field(
        default=True,
        description="Decide payments, logins and sign-ups with the risk engine; off = allow.",
    )
    hold_challenge_seconds: int = Field(
        default=300, ge=30, description="A step-up challenge not passed in this time is voided."
    )
    hold_review_seconds: int = Field(
        default=48 * 3600, ge=60, description="A payment held for an analyst waits this long."
    )
    hold_guardian_seconds: int = Field(
        default=24 * 3600, ge=60, description="A payment waiting for a guardian waits this long."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'anxin.db').resolve()}"

    def resolved_secret_key(self) -> bytes:
        """The token-signing key; generated on first use so a fresh install is never keyless."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
