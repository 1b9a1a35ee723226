"""Currency exchange: rates, a quote locked for a few seconds, converting it, done.

The same `payments.fx.service` functions as `/v1/fx`. The quote page shows the rate, the mid
rate, the spread as a fee in the currency bought, what you get, and when the quote expires
(the server decides; `static/pay.js` only counts down). Converting uses the quote id as the
ledger key, so a quote converts once however often the button is pressed. An exchange the risk
check holds is shown on its done page as waiting, with the reasons, the code form and a cancel
button, as a held shop payment is (`web.qrpay`); nothing is bought until it is cleared.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, NotFound
from anxin.core.money import Money, check_currency
from anxin.ledger import queries
from anxin.ledger.posting import POSTED
from anxin.payments.fx import service
from anxin.payments.fx.rates import SandboxRates
from anxin.payments.holds import WAITING, cancel_hold, hold_for_transfer
from anxin.payments.wallets import WALLET
from anxin.web.forms import Form
from anxin.web.held import answer_code, ending
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/fx", route_class=PageRoute)

BASE = "CNY"
CURRENCIES = tuple(SandboxRates.PER_CNY)


def _wallets(page: Page) -> list[dict[str, Any]]:
    """The user's wallets with their available balances, CNY first."""
    with page.services.db.read() as conn:
        rows = queries.accounts_of(conn, page.signed_in_user.id)
    found = [
        {"currency": r["currency"],
         "available": r["credits_posted"] - r["debits_posted"] - r["debits_pending"]}
        for r in rows if r["kind"] == WALLET
    ]  # fmt: skip
    return sorted(found, key=lambda w: (w["currency"] != BASE, w["currency"]))


def _rates(page: Page) -> list[tuple[str, Decimal, Decimal]]:
    """Mid rates against CNY both ways, as `/v1/fx/rates` gives them."""
    source = page.services.rates
    return [
        (other, _places(source.mid_rate(BASE, other)), _places(source.mid_rate(other, BASE)))
        for other in CURRENCIES
        if other != BASE
    ]


def _places(rate: Decimal) -> Decimal:
    return rate.quantize(service.RATE_PLACES).normalize()


def _fx_page(page: Page, values: dict[str, str], error: AnxinError | None = None) -> Response:
    return page.render(
        "fx.html", status=error.status if error else 200, values=values, error=error,
        rates=_rates(page), wallets=_wallets(page), currencies=CURRENCIES,
        source=page.services.rates.name, spread=page.services.settings.fx_spread * 100,
    )  # fmt: skip


@router.get("")
def fx(page: UserPage, sell: str = BASE, buy: str = "USD", amount: str = "") -> Response:
    return _fx_page(page, {"sell_currency": sell, "buy_currency": buy, "amount": amount})


def _values(form: Form) -> dict[str, str]:
    return {name: form.get(name) for name in ("sell_currency", "buy_currency", "amount")}


@router.post("/quote")
def new_quote(page: UserPage, form: PostedForm) -> Response:
    values = _values(form)
    try:
        sell_currency = check_currency(values["sell_currency"], "sell_currency")
        buy_currency = check_currency(values["buy_currency"], "buy_currency")
        sell = Money.parse(values["amount"], sell_currency, positive=True)
        row = service.quote(page.services, page.signed_in_user, sell, buy_currency)
    except AnxinError as error:
        return _fx_page(page, values, error)
    return page.redirect(f"/fx/quotes/{row['id']}")


def _quote_page(page: Page, quote_id: str, error: AnxinError | None = None) -> Response:
    row = service.load_quote(page.services, page.signed_in_user, quote_id)
    now = to_micros(page.services.clock.now())
    left = max(0, (row["expires_at"] - now) // 1_000_000)
    return page.render(
        "fx_quote.html", status=error.status if error else 200, error=error, quote=row,
        seconds_left=left, expired=now > row["expires_at"],
        sell_amount=str(Money.from_minor(row["sell_minor"], row["sell_currency"])),
    )  # fmt: skip


@router.get("/quotes/{quote_id}")
def quote(page: UserPage, quote_id: str) -> Response:
    return _quote_page(page, quote_id)


@router.post("/quotes/{quote_id}/convert")
async def convert(page: UserPage, form: PostedForm, quote_id: str) -> Response:
    """Convert at the quoted rate; an expired quote is explained on the quote page."""
    del form  # checked for its CSRF token; the quote id is the idempotency key
    try:
        done = await service.convert(
            page.services, page.signed_in_user, quote_id, {"quote_id": quote_id}
        )
    except AnxinError as error:
        return _quote_page(page, quote_id, error)
    return page.redirect(f"/fx/done/{done.legs[0].id}")


@router.get("/done/{transfer_id}")
def done(page: UserPage, transfer_id: str) -> Response:
    return _done_page(page, transfer_id)


def _done_page(page: Page, transfer_id: str, code_error: AnxinError | None = None) -> Response:
    """The exchange as the ledger has it, by its sell leg: made, waiting for a code or a
    review (and why), or not made. Only the customer's own exchanges are shown."""
    services, user = page.services, page.signed_in_user
    try:
        leg = services.ledger.transfer(transfer_id)
        mine = services.ledger.account(leg.debit_account_id)["owner_id"] == user.id
    except NotFound:
        mine = False
    quote_id = (leg.meta or {}).get("quote_id") if mine else None
    if not isinstance(quote_id, str):
        raise NotFound(f"you have no exchange {transfer_id!r}")
    row = service.load_quote(services, user, quote_id)
    held = hold_for_transfer(services.db, leg.id)
    # Made when both legs are: at once (no hold), or the buy leg its approval wrote.
    bought = None if held is None else service.bought_leg(services, quote_id)
    made = leg.status == POSTED and (held is None or bought is not None)
    waiting = held is not None and held.status == WAITING
    return page.render(
        "fx_done.html", status=code_error.status if code_error else 200, quote=row,
        wallets=_wallets(page), at=(bought or leg).created_at, transfer=leg, made=made,
        hold=held if waiting else None, code_error=code_error,
        ended=None if made or waiting else (ending(held, user.id) or "refused"),
    )  # fmt: skip


@router.post("/held/{hold_id}/code")
def enter_code(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    """Answer a held exchange's step-up challenge with the code sent by SMS; the currency is
    bought only then."""
    transfer_id = form.get("transfer_id")
    return answer_code(
        page, hold_id, form.get("code"), then=f"/fx/done/{transfer_id}",
        again=lambda error: _done_page(page, transfer_id, error),
    )  # fmt: skip


@router.post("/held/{hold_id}/cancel")
def cancel(page: UserPage, form: PostedForm, hold_id: str) -> Response:
    cancel_hold(page.services, page.signed_in_user.id, hold_id)
    return page.redirect(f"/fx/done/{form.get('transfer_id')}")
