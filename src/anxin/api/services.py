"""The services one running Anxin process shares, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from anxin.core.clock import Clock, clock_from
from anxin.core.db import Database
from anxin.core.settings import Settings
from anxin.identity.service import Identity, LoginPolicy
from anxin.ledger.service import Ledger
from anxin.ledger.writer import LedgerWriter
from anxin.payments.risk_hook import RiskHook, allow_everything
from anxin.payments.wallets import ensure_wallet


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    ledger: Ledger
    writer: LedgerWriter
    identity: Identity
    risk_hook: RiskHook

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or clock_from(settings.clock)
        db = Database(settings.resolved_database_url())
        ledger = Ledger(
            db,
            clock,
            pending_timeout_seconds=settings.pending_timeout_seconds,
            idempotency_ttl_seconds=settings.idempotency_ttl_seconds,
        )
        identity = Identity(
            db,
            clock,
            settings.resolved_secret_key(),
            token_ttl_seconds=settings.token_ttl_seconds,
            policy=LoginPolicy(
                settings.login_max_failures_per_account,
                settings.login_max_failures_per_ip,
                settings.login_window_seconds,
            ),
        )
        identity.on_register.append(lambda user: ensure_wallet(ledger, user.id, "CNY"))
        return cls(settings, db, clock, ledger, LedgerWriter(ledger), identity, allow_everything)

    def close(self) -> None:
        self.writer.stop()
        self.db.dispose()
