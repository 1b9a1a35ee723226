"""Screenshots of the web app's key pages, standard and elder mode, for the README.

    .venv/bin/python tests/browser/screenshots.py [OUT_DIR]    # default: docs/screenshots

Runs the real app on a throwaway SQLite database with a frozen clock, gives 小明 half a year
of history (so the statement's chart has months to show), a bank card, an electricity account
and a mother whose large payment waits for his approval, then photographs each page in
headless Chromium (the system's, as the browser tests use).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from browserkit import (
    LiveServer,
    add_contact,
    browser_settings,
    chromium_path,
    link_card_by_api,
    register,
    serve,
    top_up_by_api,
)

from anxin.core.clock import ManualClock
from anxin.ledger.posting import Create, TransferSpec
from anxin.payments.wallets import ensure_wallet

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC).replace(microsecond=0)
HISTORY = (  # days ago, kind, amount in yuan
    (170, "bill:electricity", 212), (160, "p2p", 500), (140, "merchant", 86),
    (130, "bill:water", 64), (110, "p2p", 800), (95, "merchant", 230),
    (80, "bill:electricity", 188), (65, "p2p", 500), (50, "merchant", 145),
    (40, "bill:gas", 96), (20, "p2p", 1000), (10, "merchant", 320),
)  # fmt: skip


def history(server: LiveServer, clock: ManualClock, me: str, mum: str) -> None:
    """Half a year of payments written through the ledger at their past dates."""
    services = server.services
    ledger = services.ledger
    wallet = ensure_wallet(ledger, me, "CNY")[0]["id"]
    mum_wallet = ensure_wallet(ledger, mum, "CNY")[0]["id"]
    outside = ledger.open_account("CNY", no_overdraft=False, kind="screenshot-outside")["id"]
    clock.set(NOW - timedelta(days=180))
    ledger.run(Create((TransferSpec(outside, wallet, 20_000_00, "CNY", meta={"type": "topup"}),)))
    for days, kind, yuan in HISTORY:
        clock.set(NOW - timedelta(days=days))
        if kind == "p2p":
            meta = {"type": "p2p", "from_user": me, "to_user": mum}
            ledger.run(Create((TransferSpec(wallet, mum_wallet, yuan * 100, "CNY", meta=meta),)))
            continue
        meta = {"type": "merchant_payment"}
        if kind.startswith("bill:"):
            meta = {"type": "bill", "biller": kind.split(":", 1)[1]}
        ledger.run(Create((TransferSpec(wallet, outside, yuan * 100, "CNY", meta=meta),)))
    clock.set(NOW)


def prepare(server: LiveServer, clock: ManualClock) -> dict[str, str]:
    """小明 and his mother as the pages will show them; returns their tokens."""
    mum_token = register(server, "mum", "妈妈")
    me_token = register(server, "xiaoming", "小明")
    add_contact(server, me_token, "妈妈", "mum")
    identity = server.services.identity
    history(
        server, clock, identity.find_user(username="xiaoming").id,
        identity.find_user(username="mum").id,
    )  # fmt: skip
    top_up_by_api(server, mum_token, "3000.00")
    link_card_by_api(server, me_token)
    with server.api(me_token) as api:
        api.post(
            "/v1/bills/accounts", json={"biller": "electricity", "account_number": "0312345678"}
        )
    with server.api(mum_token) as api:
        invited = api.post(
            "/v1/family/guardians", json={"username": "xiaoming", "approval_limit": "1000"}
        )
        assert invited.status_code == 201, invited.text
        link = invited.json()["id"]
    with server.api(me_token) as api:
        assert api.post(f"/v1/family/invitations/{link}/accept").status_code == 200
    with server.api(mum_token) as api:
        held = api.post(
            "/v1/payments/p2p", json={"to": {"username": "xiaoming"}, "amount": "1500.00"},
            headers={"Idempotency-Key": "screenshot-held"},
        )  # fmt: skip
        assert held.status_code == 202, held.text
    return {"me": me_token, "mum": mum_token}


def shoot(page: Any, out: Path, name: str) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(out / f"{name}.png")


def photograph(page: Any, out: Path, mode: str, mum_id: str) -> None:
    """The key pages as 小明 sees them in `mode`."""
    page.goto("/")
    shoot(page, out, f"home-{mode}")
    page.fill("#assistant-text", "给妈妈转五百")
    page.locator(".assistant-form button[type=submit]").click()
    page.locator(".chat .turn.assistant").last.wait_for()
    shoot(page, out, f"assistant-{mode}")
    # Cancel, so the other mode's picture starts a fresh request instead of a pending one.
    page.locator(".chat .turn.assistant").last.get_by_role("button", name="取消").click()
    page.locator(".chat .turn.assistant").nth(1).wait_for()
    page.goto("/transfer")
    page.fill("#f-to", "妈妈")
    page.fill("#f-amount", "500")
    with page.expect_navigation():
        page.locator("form[action='/transfer'] button[type=submit]").click()
    shoot(page, out, f"transfer-confirm-{mode}")
    page.goto("/transactions")
    shoot(page, out, f"transactions-{mode}")
    page.goto("/bills")
    shoot(page, out, f"bills-{mode}")
    page.goto(f"/family/wards/{mum_id}")
    shoot(page, out, f"guardian-approval-{mode}")
    if mode == "elder":
        return
    page.goto("/fx")
    page.select_option("#f-sell_currency", "CNY")
    page.select_option("#f-buy_currency", "USD")
    page.fill("#f-amount", "1000")
    with page.expect_navigation():
        page.locator("form[action='/fx/quote'] button[type=submit]").click()
    shoot(page, out, "fx-quote-standard")
    page.goto("/security")
    shoot(page, out, "security-standard")
    page.goto("/privacy")
    shoot(page, out, "privacy-standard")


def top_up_quote(page: Any, out: Path, mode: str) -> None:
    page.goto("/wallet/topup")
    page.fill("#f-amount", "500")
    with page.expect_navigation():
        page.locator("form[action='/wallet/topup'] button[type=submit]").click()
    shoot(page, out, f"topup-quote-{mode}")


def main(out: Path) -> None:
    path = chromium_path()
    if path is None:
        sys.exit("no Chromium found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(NOW)
    with (
        tempfile.TemporaryDirectory() as folder,
        serve(browser_settings(Path(folder)), clock) as server,
    ):
        tokens = prepare(server, clock)
        mum_id = server.services.identity.find_user(username="mum").id
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=path, headless=True)
            for mode in ("standard", "elder"):
                with server.api(tokens["me"]) as api:
                    api.patch("/v1/me/preferences", json={"elder_mode": mode == "elder"})
                context = browser.new_context(
                    base_url=server.url, locale="zh-CN", viewport={"width": 1100, "height": 800}
                )
                context.add_cookies(
                    [{"name": "anxin_session", "value": tokens["me"], "url": server.url}]
                )
                page = context.new_page()
                photograph(page, out, mode, mum_id)
                top_up_quote(page, out, mode)
                context.close()
            browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
