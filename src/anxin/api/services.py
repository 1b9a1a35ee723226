"""The services one running Anxin process shares, built once from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request

from anxin.core.clock import Clock, clock_from
from anxin.core.db import Database
from anxin.core.settings import Settings
from anxin.identity.family.check import guardian_check
from anxin.identity.service import Identity, LoginPolicy
from anxin.ledger.service import Ledger
from anxin.ledger.writer import LedgerWriter
from anxin.notify.channels import Channel, EmailChannel, SandboxSms
from anxin.payments.banks.connector import BankConnector
from anxin.payments.banks.sandbox import SandboxBank, SandboxConfig
from anxin.payments.bills.connector import BillerConnector
from anxin.payments.bills.sandbox import SandboxBillers
from anxin.payments.fx.rates import RateSource, SandboxRates
from anxin.payments.risk_hook import PaymentCheck, RiskHook, allow_everything
from anxin.payments.salary import note_salaries
from anxin.payments.wallets import ensure_wallet
from anxin.privacy.consents import allowed as consent_allowed
from anxin.risk.applications import application_check
from anxin.risk.freezes import guard_frozen
from anxin.risk.logins import login_check, send_step_up_code
from anxin.risk.service import RiskService
from anxin.risk.velocity import open_velocity_store


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
    # Each capability that keeps personal data forgets the person here when an account is
    # erased (privacy.erasure calls these with the user id), e.g. assistant transcripts.
    on_erase: list[Callable[[str], object]] = field(default_factory=list)
    # Called with (user id, purpose) after a user withdraws a privacy consent, so the
    # capability using that data stops and drops it (assistant_history: delete transcripts).
    on_consent_withdrawn: list[Callable[[str, str], object]] = field(default_factory=list)
    # The live risk engine (None when ANXIN_RISK_ENGINE is off), and the checks a payment
    # passes after the risk hook allows it; the first HoldReason returned holds it.
    risk: RiskService | None = None
    payment_checks: list[PaymentCheck] = field(default_factory=list)

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
        risk = (
            RiskService(
                db,
                clock,
                use_location=lambda user: consent_allowed(db, user, "location"),
                velocity=open_velocity_store(settings.redis_url),
            )
            if settings.risk_engine
            else None
        )
        if risk is not None:
            identity.on_login.append(login_check(risk, identity, db, clock))
            identity.on_apply.append(application_check(risk, clock))
            identity.send_code = send_step_up_code(clock)
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
            risk_hook=guard_frozen(db, risk.hook if risk is not None else allow_everything),
            channels=channels,
            rates=SandboxRates(),
            bank=SandboxBank(SandboxConfig.from_settings(settings)),
            billers=SandboxBillers(),
            risk=risk,
            payment_checks=[guardian_check],
        )

    def recipient(self, user_id: str) -> tuple[str, str | None, str | None]:
        """Where a user's notifications go: display name, email, phone."""
        user = self.identity.user(user_id)
        return user.display_name, user.email, user.phone

    def close(self) -> None:
        self.writer.stop()
        if self.risk is not None:
            self.risk.flush()
        self.db.dispose()


def services_of(request: Request) -> Services:
    """The running app's services, for route handlers."""
    services: Services = request.app.state.services
    return services
