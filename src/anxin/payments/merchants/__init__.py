"""Merchants: accounts owned by a user, QR payments, refunds, daily settlement, reconciliation."""
