"""Service answers carry ISO 8601 UTC times; pages show micros through `shown_time`."""

from __future__ import annotations

from datetime import datetime

from anxin.core.clock import to_micros


def micros_of(iso: str) -> int:
    """`2026-11-01T09:00:00Z` as UTC microseconds, the unit the `shown_time` filter takes."""
    return to_micros(datetime.fromisoformat(iso.replace("Z", "+00:00")))
