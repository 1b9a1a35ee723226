"""Block and allow lists: devices, IPs, accounts and payees, with expiry and an audit trail.

`Lists` is the in-memory view the hot path checks (a few dict lookups per event); the
functions below are the edge that changes the stored lists, each change and its audit row in
one transaction. A payee is also checked against the account lists, so blocking a mule
account blocks payments to it too. The block list wins over the allow list; an allow-listed
event is allowed whatever its score (but still scored and logged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import delete, insert, select

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.core.errors import InvalidInput
from anxin.risk.events import Event
from anxin.risk.tables import list_audit, list_entries

LISTS: Final = ("block", "allow")
KINDS: Final = ("device", "ip", "account", "payee")
_NAMES_ZH: Final = {"device": "设备", "ip": "IP地址", "account": "账户", "payee": "收款人"}
_NAMES_EN: Final = {"device": "Device", "ip": "IP address", "account": "Account", "payee": "Payee"}


@dataclass(frozen=True, slots=True)
class ListEntry:
    list: str
    kind: str
    value: str
    expires_at: int | None
    note: str
    actor: str
    added_at: int

    def active(self, at: int) -> bool:
        return self.expires_at is None or at < self.expires_at


@dataclass(frozen=True, slots=True)
class ListHit:
    list: str
    kind: str
    value: str

    def reason(self) -> dict[str, str]:
        if self.list == "block":
            return {
                "code": f"BLOCKLIST_{self.kind.upper()}",
                "zh": f"{_NAMES_ZH[self.kind]}在黑名单上",
                "en": f"{_NAMES_EN[self.kind]} is on the block list",
            }
        return {
            "code": f"ALLOWLIST_{self.kind.upper()}",
            "zh": f"{_NAMES_ZH[self.kind]}在白名单上",
            "en": f"{_NAMES_EN[self.kind]} is on the allow list",
        }


class Lists:
    """Entries by (list, kind, value). `active` is False while there are none, so the
    engine skips the check without a call."""

    def __init__(self, entries: Iterable[ListEntry] = ()) -> None:
        self._entries: dict[tuple[str, str, str], ListEntry] = {}
        self.active = False
        for entry in entries:
            self.put(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: ListEntry) -> None:
        self._entries[(entry.list, entry.kind, entry.value)] = entry
        self.active = True

    def as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self._entries.values()]

    def check(self, event: Event) -> ListHit | None:
        """The block-list hit if any, else the allow-list hit if any, else None."""
        candidates = [("account", event.user_id)]
        if event.device_id:
            candidates.append(("device", event.device_id))
        if event.ip:
            candidates.append(("ip", event.ip))
        if event.payee_id:
            candidates += [("payee", event.payee_id), ("account", event.payee_id)]
        for list_name in LISTS:
            for kind, value in candidates:
                entry = self._entries.get((list_name, kind, value))
                if entry is not None and entry.active(event.ts):
                    return ListHit(list_name, kind, value)
        return None


def _validate(list_name: str, kind: str, value: str) -> None:
    if list_name not in LISTS:
        raise InvalidInput(f"list must be one of {', '.join(LISTS)}", field="list")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not value or len(value) > 200:
        raise InvalidInput("value must be 1 to 200 characters", field="value")


def add_entry(
    db: Database,
    clock: Clock,
    list_name: str,
    kind: str,
    value: str,
    *,
    actor: str,
    note: str,
    expires_at: int | None = None,
) -> ListEntry:
    """Put (or replace) an entry and audit it, atomically."""
    _validate(list_name, kind, value)
    if not actor or not note:
        raise InvalidInput("who adds an entry, and why, are both required", field="note")
    now = to_micros(clock.now())
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expiry must be in the future", field="expires_at")
    entry = ListEntry(list_name, kind, value, expires_at, note, actor, now)
    row = {
        "list": list_name,
        "kind": kind,
        "value": value,
        "expires_at": expires_at,
        "note": note,
        "actor": actor,
    }
    with db.write() as conn:
        conn.execute(
            delete(list_entries).where(
                list_entries.c.list == list_name,
                list_entries.c.kind == kind,
                list_entries.c.value == value,
            )
        )
        conn.execute(insert(list_entries).values(**row, added_at=now))
        conn.execute(insert(list_audit).values(**row, at=now, action="add"))
    return entry


def remove_entry(
    db: Database, clock: Clock, list_name: str, kind: str, value: str, *, actor: str, note: str
) -> bool:
    """Remove an entry and audit it; False when there was none (nothing is audited then)."""
    _validate(list_name, kind, value)
    now = to_micros(clock.now())
    with db.write() as conn:
        gone = conn.execute(
            delete(list_entries).where(
                list_entries.c.list == list_name,
                list_entries.c.kind == kind,
                list_entries.c.value == value,
            )
        ).rowcount
        if gone:
            conn.execute(
                insert(list_audit).values(
                    list=list_name,
                    kind=kind,
                    value=value,
                    expires_at=None,
                    note=note,
                    actor=actor,
                    at=now,
                    action="remove",
                )
            )
    return bool(gone)


def load_lists(db: Database) -> Lists:
    with db.read() as conn:
        rows = conn.execute(select(list_entries)).mappings().all()
    return Lists(
        ListEntry(
            r["list"], r["kind"], r["value"], r["expires_at"], r["note"], r["actor"], r["added_at"]
        )
        for r in rows
    )


def audit_trail(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first."""
    with db.read() as conn:
        rows = (
            conn.execute(select(list_audit).order_by(list_audit.c.id.desc()).limit(limit))
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]
