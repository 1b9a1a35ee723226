"""Transactions: the wallet's statement with filters, cursor paging, and a spending chart.

Lines come from the ledger's `statement` query a page at a time (the cursor is the ledger's),
and the chart from one grouped query over the last six months, so the page costs the same
with ten or ten thousand transactions. A text search reads at most `SEARCH_SCAN` lines per
page, then offers the next page from where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput
from anxin.core.money import Money
from anxin.ledger import queries
from anxin.payments.wallets import WALLET
from anxin.privacy.consents import allowed
from anxin.web import categories, chart
from anxin.web.lines import Line, Names, describe, line_from
from anxin.web.page import SHOWN_TZ, Page, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 20
SEARCH_BATCH = 250
SEARCH_SCAN = 500
CHART_MONTHS = 6
META_KEYS = ("type", "biller")
TOTAL = "total"
"""The chart's one series when the user does not allow spending analysis."""


@dataclass(frozen=True, slots=True)
class Filters:
    """SQL filters for the ledger, and what is matched line by line (words, category)."""

    values: dict[str, str]
    where: queries.StatementFilter
    text: str
    category: str | None

    @property
    def by_line(self) -> bool:
        return bool(self.text or self.category)


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def _start_of(day: date) -> int:
    return to_micros(datetime.combine(day, time(), SHOWN_TZ))


def _units(value: str, field: str, currency: str) -> int | None:
    return Money.parse(value, currency, field=field).to_minor() if value else None


def parse_filters(params: dict[str, str], currency: str) -> Filters:
    """The query string as ledger filters; dates are whole days on China time, inclusive."""
    since, until = _day(params.get("start", ""), "start"), _day(params.get("end", ""), "end")
    direction = params.get("direction") or None
    if direction not in (None, "in", "out"):
        raise InvalidInput("direction is in, out or empty", field="direction")
    where = queries.StatementFilter(
        since=_start_of(since) if since else None,
        until=_start_of(until + timedelta(days=1)) if until else None,
        direction=direction,
        min_amount=_units(params.get("min", ""), "min", currency),
        max_amount=_units(params.get("max", ""), "max", currency),
    )
    category = params.get("category") or None
    if category is not None and category not in categories.CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}", field="category")
    return Filters(params, where, params.get("q", "").strip().casefold(), category)


def _matches(filters: Filters, line: Line, said: str, page: Page) -> bool:
    if filters.category is not None and line.category != filters.category:
        return False
    if not filters.text:
        return True
    haystack = " ".join((said, line.note or "", page.t(f"category.{line.category}")))
    return filters.text in haystack.casefold()


def read_lines(
    page: Page, account_id: str, currency: str, filters: Filters, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of lines (as shown) and the cursor of the next page."""
    names = Names(page.services, page.signed_in_user.id)
    shown: list[dict[str, Any]] = []
    scanned = 0
    while True:
        batch = SEARCH_BATCH if filters.by_line else PAGE_SIZE
        with page.services.db.read() as conn:
            found = queries.statement(
                conn, account_id, cursor=cursor, limit=batch, where=filters.where
            )
        for entry in found.entries:
            line = line_from(entry, currency)
            said = describe(line, names, page.lang)
            if _matches(filters, line, said, page):
                shown.append({"line": line, "said": said})
                if len(shown) == PAGE_SIZE and entry is not found.entries[-1]:
                    return shown, queries.cursor_after(line.seq)
        scanned += len(found.entries)
        cursor = found.next_cursor
        if cursor is None or len(shown) >= PAGE_SIZE or scanned >= SEARCH_SCAN:
            return shown, cursor


Outflows = list[tuple[int, tuple[str | None, ...], int]]
_closed_months: dict[tuple[str, str, int], Outflows] = {}
_MAX_CLOSED = 50_000  # forgetting costs one query on the next view, never a wrong figure


def monthly_outflows(page: Page, account_id: str, starts: list[int]) -> Outflows:
    """Money out per month (period index, (type, biller), units) for the months `starts` bound.

    A month that has ended never changes (the ledger only appends, and records each entry at
    the time it is posted), so its totals are remembered and only the current month is
    queried on later views: the chart then costs one small range scan.
    """
    db = page.services.db
    now = to_micros(page.services.clock.now())
    closed = [i for i in range(len(starts) - 1) if starts[i + 1] <= now]
    keys = [(db.url, account_id, starts[i]) for i in closed]
    if all(key in _closed_months for key in keys):
        first_open = len(closed)
        with db.read() as conn:
            rows = queries.outflows_by_period(conn, account_id, starts[first_open:], META_KEYS)
        found = [(first_open + period, values, units) for period, values, units in rows]
        for index, key in zip(closed, keys, strict=True):
            found += [(index, values, units) for _p, values, units in _closed_months[key]]
        return found
    with db.read() as conn:
        found = queries.outflows_by_period(conn, account_id, starts, META_KEYS)
    if len(_closed_months) + len(keys) > _MAX_CLOSED:
        _closed_months.clear()
    for index, key in zip(closed, keys, strict=True):
        _closed_months[key] = [row for row in found if row[0] == index]
    return found


def spending_chart(page: Page, account_id: str) -> dict[str, Any]:
    """Six months of money out, by category when the user allows spending analysis."""
    services, user = page.services, page.signed_in_user
    today = services.clock.now().astimezone(SHOWN_TZ).date()
    firsts = chart.month_starts(today, CHART_MONTHS)
    rows = monthly_outflows(page, account_id, [_start_of(day) for day in firsts])
    by_category = allowed(services.db, user.id, "spending_analysis")
    legend = list(categories.CATEGORIES) if by_category else [TOTAL]
    months: list[dict[int, int]] = [{} for _ in firsts[:-1]]
    for period, (kind, biller), units in rows:
        name = categories.category(kind, biller) if by_category else TOTAL
        series = legend.index(name)
        months[period][series] = months[period].get(series, 0) + units
    used = sorted({series for month in months for series in month})
    labels = [chart.month_label(first, page.lang) for first in firsts[:-1]]
    return {
        "geometry": chart.layout(months, labels),
        "legend": [(series, legend[series]) for series in used],
        "months": list(zip(labels, months, strict=True)),
        "by_category": by_category,
    }


def _wallets(page: Page) -> list[dict[str, Any]]:
    with page.services.db.read() as conn:
        rows = queries.accounts_of(conn, page.signed_in_user.id)
    return [row for row in rows if row["kind"] == WALLET]


@router.get("/transactions")
def transactions(page: UserPage) -> Response:
    params = {k: v.strip() for k, v in page.request.query_params.items()}
    wallets = _wallets(page)
    if not wallets:
        return page.render("transactions.html", wallet=None, error=None, values=params)
    wallet = next((w for w in wallets if w["currency"] == params.get("currency")), wallets[0])
    spending = spending_chart(page, wallet["id"])
    if not spending["by_category"]:  # spending analysis is off: no filtering by category
        params.pop("category", None)
    context: dict[str, Any] = {
        "wallet": wallet, "wallets": wallets, "values": params, "error": None, "lines": [],
        "next_link": None, "chart": spending, "filtered": False,
        "categories": categories.CATEGORIES if spending["by_category"] else (),
        "first_link": None,
    }  # fmt: skip
    try:
        filters = parse_filters(params, wallet["currency"])
        lines, cursor = read_lines(
            page, wallet["id"], wallet["currency"], filters, params.get("cursor") or None
        )
    except AnxinError as error:
        return page.render("transactions.html", status=error.status, **{**context, "error": error})
    if cursor is not None:
        context["next_link"] = "/transactions?" + urlencode({**params, "cursor": cursor})
    if params.get("cursor"):
        first = {k: v for k, v in params.items() if k != "cursor"}
        context["first_link"] = "/transactions?" + urlencode(first)
    context["lines"] = lines
    context["filtered"] = any(
        params.get(k) for k in ("start", "end", "direction", "category", "min", "max", "q")
    )
    return page.render("transactions.html", **context)
