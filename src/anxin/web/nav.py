"""The header's navigation: one line per page, in the order shown.

A new page adds its line here. Elder mode (大字版) shows only the lines marked `elder`, so
the screen keeps to a few big, plain choices.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavItem:
    path: str
    key: str
    """Message key of the link text."""
    elder: bool = False
    more: bool = False
    """Listed under the header's "more" disclosure, so the header stays short."""


NAV: tuple[NavItem, ...] = (
    NavItem("/", "nav.home", elder=True),
    NavItem("/transfer", "nav.transfer"),
    NavItem("/bills", "nav.bills", elder=True),
    NavItem("/wallet/topup", "nav.wallet"),
    NavItem("/transactions", "nav.transactions"),
    NavItem("/notifications", "nav.notifications", elder=True),
    NavItem("/pay/qr", "nav.qrpay", more=True),
    NavItem("/schedules", "nav.schedules", more=True),
    NavItem("/fx", "nav.fx", more=True),
    NavItem("/cards", "nav.cards", more=True),
    NavItem("/family", "nav.family", elder=True),
    NavItem("/security", "nav.security", more=True),
    NavItem("/privacy", "nav.privacy", more=True),
    NavItem("/settings", "nav.settings", elder=True, more=True),
)
