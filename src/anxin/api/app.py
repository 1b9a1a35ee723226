"""The FastAPI application: every capability's router under `/v1`, problem+json errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from anxin.api import problems
from anxin.api.services import Services
from anxin.assistant.routes import router as assistant_router
from anxin.assistant.sessions import forget_user as forget_assistant_user
from anxin.core.clock import Clock
from anxin.core.settings import Settings, get_settings
from anxin.identity.family.routes import router as family_router
from anxin.identity.preference_routes import router as preferences_router
from anxin.identity.routes import router as identity_router
from anxin.ledger.routes import admin as ledger_admin_router
from anxin.ledger.routes import mine as accounts_router
from anxin.notify.dispatch import ROUND, dispatch_pending
from anxin.notify.routes import router as notify_router
from anxin.payments.banks.orders import settle_due
from anxin.payments.banks.routes import router as banks_router
from anxin.payments.bills.routes import router as bills_router
from anxin.payments.fx.routes import router as fx_router
from anxin.payments.hold_routes import router as holds_router
from anxin.payments.holds import expire_holds
from anxin.payments.merchants.routes import router as merchants_router
from anxin.payments.merchants.settlement import settle_yesterday
from anxin.payments.routes import router as payments_router
from anxin.payments.salary import run_pending_splits
from anxin.payments.schedules.routes import router as schedules_router
from anxin.privacy.routes import router as privacy_router
from anxin.risk.routes import admin as risk_admin_router
from anxin.risk.routes import router as risk_router
from anxin.web.routes import install as install_web

log = logging.getLogger(__name__)

MAINTENANCE_SECONDS = 1.0
PURGE_EVERY = 600  # maintenance rounds between idempotency purges (about ten minutes)
DELIVERY_ROUND, DELIVERY_ROUNDS = ROUND, 20


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = Services.build(settings, clock)
    services.on_erase.append(lambda user_id: forget_assistant_user(services, user_id))

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        services.writer.start()
        task = asyncio.create_task(_maintenance(services))
        try:
            yield
        finally:
            task.cancel()
            await asyncio.to_thread(services.close)

    app = FastAPI(
        title="Anxin (安心) API",
        version="0.1.0",
        lifespan=lifespan,
        description="Wallet, ledger and identity API. Errors are application/problem+json.",
    )
    app.state.services = services
    problems.install(app)
    # Routes are matched in order, each a few microseconds: paying someone, the hot path,
    # comes first. (No other router answers its paths and methods, so order is otherwise free.)
    app.include_router(payments_router)
    app.include_router(identity_router)
    app.include_router(preferences_router)
    app.include_router(family_router)
    app.include_router(privacy_router)
    app.include_router(accounts_router)
    app.include_router(ledger_admin_router)
    app.include_router(fx_router)
    app.include_router(banks_router)
    app.include_router(merchants_router)
    app.include_router(bills_router)
    app.include_router(schedules_router)
    app.include_router(holds_router)
    app.include_router(risk_router)
    app.include_router(risk_admin_router)
    app.include_router(notify_router)
    app.include_router(assistant_router)
    install_web(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def deliver_backlog(services: Services) -> None:
    """Deliver what is due, round after round while rounds come back full (a busy second
    queues more than one round), up to `DELIVERY_ROUNDS` before the other duties' turn."""
    for _ in range(DELIVERY_ROUNDS):
        claimed = await asyncio.to_thread(
            dispatch_pending, services.db, services.clock, services.channels,
            services.recipient, DELIVERY_ROUND,
        )  # fmt: skip
        if claimed < DELIVERY_ROUND:
            return


async def _maintenance(services: Services) -> None:
    """Release expired holds, deliver notifications, forget old idempotency keys."""
    rounds = 0
    while True:
        await asyncio.sleep(MAINTENANCE_SECONDS)
        rounds += 1
        try:
            await asyncio.to_thread(services.ledger.expire_due)
            await asyncio.to_thread(expire_holds, services)
            if services.risk is not None:
                await asyncio.to_thread(services.risk.flush)
            await asyncio.to_thread(run_pending_splits, services)
            await asyncio.to_thread(settle_due, services)
            await asyncio.to_thread(settle_yesterday, services)
            await deliver_backlog(services)
            if rounds % PURGE_EVERY == 0:
                await asyncio.to_thread(services.ledger.purge_idempotency)
        except Exception:
            log.exception("ledger maintenance failed; will retry")
