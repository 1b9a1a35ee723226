"""The services one running Anxin process shares, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from anxin.core.clock import Clock, clock_from
from anxin.core.db import Database
from anxin.core.settings import Settings
from anxin.identity.service import Identity, LoginPolicy
from anxin.ledger.service import Ledger
from anxin.ledger.writer import LedgerWriter
from anxin.notify.channels import Channel, EmailChannel, SandboxSms
from anxin.payments.banks.connector import BankConnector
from anxin.payments.banks.sandbox import SandboxBank, SandboxConfig
from anxin.payments.bills.connector import BillerConnector
from anxin.payments.bills.sandbox import SandboxBillers
from anxin.payments.fx.rates import RateSource, SandboxRates
from anxin.payments.risk_hook import RiskHook, allow_everything
from anxin.payments.salary import note_salaries
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
    channels: list[Channel]
    rates: RateSource
    bank: BankConnector
    billers: BillerConnector

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
        ledger.on_posted.append(note_salaries)
        channels: list[Channel] = [
            SandboxSms(settings.sms_log or settings.data_dir / "sms-sandbox.log", clock)
        ]
        if settings.smtp_host:
            channels.append(
                EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
            )
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            ledger=ledger,
            writer=LedgerWriter(ledger),
            identity=identity,
            risk_hook=allow_everything,
            channels=channels,
            rates=SandboxRates(),
            bank=SandboxBank(SandboxConfig.from_settings(settings)),
            billers=SandboxBillers(),
        )

    def recipient(self, user_id: str) -> tuple[str, str | None, str | None]:
        """Where a user's notifications go: display name, email, phone."""
        user = self.identity.user(user_id)
        return user.display_name, user.email, user.phone

    def close(self) -> None:
        self.writer.stop()
        self.db.dispose()


def services_of(request: Request) -> Services:
    """The running app's services, for route handlers."""
    services: Services = request.app.state.services
    return services
