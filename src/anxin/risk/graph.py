"""The account graph: who shares devices and phone numbers, who pays whom.

Two halves with one meaning. `GraphState` is the hot path: a union-find over accounts,
devices and phone numbers (so "how many accounts and devices are linked to this one" is a
near-O(1) lookup, never a graph traversal), plus per-IP and per-payee recent-account sets.
`analyse` is the batch recompute with networkx over a whole history: the same components,
and what needs the whole history to see (mules whose money leaves soon after it arrives
from unrelated senders, application bursts), whose accounts `GraphState.load_flags` then
exposes to the hot path.

IPs and payees never merge components: carrier NAT puts thousands of strangers on one IP and
everyone pays the electricity company, so such links would join the whole city into one
"ring". They are counted instead (`ip_accounts_24h`, `payee_senders_24h`).
"""

from __future__ import annotations

import heapq
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import networkx as nx

from anxin.risk.events import Event

MICROS: Final = 1_000_000
DAY: Final = 86_400 * MICROS
HOUR: Final = 3_600 * MICROS
MINUTE: Final = 60 * MICROS
NEVER_MINUTES: Final = 1e9
"""'Minutes since' for something that never happened: larger than any real gap."""

MIN_RING: Final = 3
BURST_APPLICATIONS: Final = 3
MULE_MIN_SENDERS: Final = 3
MULE_OUT_SHARE: Final = Decimal("0.5")


NEUTRAL: Final[dict[str, Any]] = {
    "linked_accounts": 1,
    "linked_devices": 1,
    "linked_applications_1h": 0,
    "ip_accounts_24h": 1,
    "payee_senders_24h": 1,
    "payee_linked_accounts": 0,
    "payee_linked_devices": 0,
    "inbound_senders_24h": 0,
    "minutes_since_inbound": NEVER_MINUTES,
    "batch_flagged": False,
    "payee_batch_flagged": False,
}
"""The graph features, valued as for an account linked to nothing: what a rules-only
baseline (no graph) sees. Counts include the event's own account, device or payee."""


class GraphState:
    """Incremental links; every update is a few dict operations, whatever the history size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._accounts: dict[str, int] = {}
        self._devices: dict[str, int] = {}
        self._applications: dict[str, list[int]] = {}
        self._ip_accounts: dict[str, OrderedDict[str, int]] = {}
        self._payee_senders: dict[str, OrderedDict[str, int]] = {}
        self.flagged: frozenset[str] = frozenset()
        self._nodes: tuple[Event | None, str, str | None, str | None, bool] = (
            None, "", None, None, False,
        )  # fmt: skip
        """The last read event's node keys, and whether they all exist in one component
        already (the usual case: a known account on its known phone, with nothing to
        join). `observe` reuses the very string objects, whose hashes Python has cached."""

    # -- union-find ---------------------------------------------------------------------

    def _find(self, node: str) -> str:
        parent = self._parent
        while (up := parent[node]) != node:
            # Path halving: later finds get shorter; the answer never changes.
            parent[node] = parent[up]
            node = parent[up]
        return node

    def account_links(self, account: str) -> tuple[int, int]:
        """(accounts, devices) in an account's component; (0, 0) for an unknown account."""
        node = "u:" + account
        if node not in self._parent:
            return 0, 0
        root = self._find(node)
        return self._accounts[root], self._devices[root]

    def _add(self, node: str, accounts: int, devices: int) -> str:
        if node in self._parent:
            return self._find(node)
        self._parent[node] = node
        self._accounts[node] = accounts
        self._devices[node] = devices
        return node

    def _union(self, a: str, b: str) -> str:
        if a == b:
            return a
        if self._accounts[a] + self._devices[a] < self._accounts[b] + self._devices[b]:
            a, b = b, a
        self._parent[b] = a
        self._accounts[a] += self._accounts.pop(b)
        self._devices[a] += self._devices.pop(b)
        apps_b = self._applications.pop(b, None)
        if apps_b:
            apps_a = self._applications.get(a)
            self._applications[a] = list(heapq.merge(apps_a, apps_b)) if apps_a else apps_b
        return a

    # -- reads (the event is not yet recorded) ------------------------------------------

    def read(self, event: Event, out: dict[str, Any]) -> None:  # noqa: PLR0915 (hot path)
        """Put the event's graph features (the keys of `NEUTRAL`) into `out`.

        One method rather than one per feature: it runs on every event, and the component
        lookups are shared between features.
        """
        _, kind, ts, user, device, ip, _, _, _, payee, phone, _ = event
        parent, find = self._parent, self._find
        roots: list[str] = []
        accounts = devices = 0
        user_node = "u:" + user
        device_node = "d:" + device if device else None
        phone_node = "h:" + phone if phone else None
        known = True
        if user_node in parent:
            roots.append(find(user_node))
        else:  # a node this event creates
            accounts = 1
            known = False
        if device_node is not None:
            if device_node in parent:
                root = find(device_node)
                if root not in roots:
                    roots.append(root)
            else:
                devices = 1
                known = False
        if phone_node is not None:
            if phone_node in parent:
                root = find(phone_node)
                if root not in roots:
                    roots.append(root)
            else:
                known = False
        self._nodes = (event, user_node, device_node, phone_node, known and len(roots) == 1)
        for root in roots:
            accounts += self._accounts[root]
            devices += self._devices[root]
        applications = int(kind == "application")
        cutoff = ts - HOUR
        for root in roots:
            apps = self._applications.get(root)
            if apps:
                for at in reversed(apps):
                    if at <= cutoff:
                        break
                    applications += 1
        out["linked_accounts"] = accounts
        out["linked_devices"] = devices
        out["linked_applications_1h"] = applications

        day_ago = ts - DAY
        recent = self._ip_accounts.get(ip) if ip else None
        if recent is None:
            out["ip_accounts_24h"] = 1 if ip else 0
        else:
            if recent and next(iter(recent.values())) <= day_ago:
                _expire(recent, day_ago)
            out["ip_accounts_24h"] = len(recent) + (user not in recent)

        senders = self._payee_senders
        if payee is None:
            out["payee_senders_24h"] = out["payee_linked_accounts"] = out[
                "payee_linked_devices"
            ] = 0
        else:
            recent = senders.get(payee)
            if recent is None:
                out["payee_senders_24h"] = 1
            else:
                if recent and next(iter(recent.values())) <= day_ago:
                    _expire(recent, day_ago)
                out["payee_senders_24h"] = len(recent) + (user not in recent)
            node = "u:" + payee
            if node in parent:
                root = find(node)
                out["payee_linked_accounts"] = self._accounts[root]
                out["payee_linked_devices"] = self._devices[root]
            else:
                out["payee_linked_accounts"] = out["payee_linked_devices"] = 0

        recent = senders.get(user)
        if recent and next(iter(recent.values())) <= day_ago:
            _expire(recent, day_ago)
        if recent:
            out["inbound_senders_24h"] = len(recent)
            out["minutes_since_inbound"] = (ts - next(reversed(recent.values()))) / MINUTE
        else:
            out["inbound_senders_24h"] = 0
            out["minutes_since_inbound"] = NEVER_MINUTES
        flagged = self.flagged
        out["batch_flagged"] = user in flagged
        out["payee_batch_flagged"] = payee is not None and payee in flagged

    # -- writes -------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        """Record the event's links; O(1) amortised."""
        _, kind, ts, user_id, device_id, ip, _, _, _, payee_id, phone, _ = event
        seen, user_node, device_node, phone_node, joined = self._nodes
        if seen is not event:
            user_node = "u:" + user_id
            device_node = "d:" + device_id if device_id else None
            phone_node = "h:" + phone if phone else None
            joined = False
        root = ""
        if not joined:  # a known account on its known device has nothing new to link
            root = self._add(user_node, 1, 0)
            if device_node is not None:
                root = self._union(root, self._add(device_node, 0, 1))
            if phone_node is not None:
                root = self._union(root, self._add(phone_node, 0, 0))
        if kind == "application":
            apps = self._applications.setdefault(root or self._find(user_node), [])
            apps.append(ts)
            cutoff = ts - HOUR
            if apps[0] <= cutoff:
                apps[:] = [at for at in apps if at > cutoff]
        if ip:
            _touch(self._ip_accounts, ip, user_id, ts)
        if payee_id is not None:
            _touch(self._payee_senders, payee_id, user_id, ts)

    def load_flags(self, report: GraphReport) -> None:
        """Expose a batch analysis's flagged accounts to the hot path (`batch_flagged`)."""
        self.flagged = report.flagged


def _touch(index: dict[str, OrderedDict[str, int]], key: str, account: str, ts: int) -> None:
    recent = index.get(key)
    if recent is None:
        recent = index[key] = OrderedDict()
    recent[account] = ts
    recent.move_to_end(account)
    if next(iter(recent.values())) <= ts - DAY:
        _expire(recent, ts - DAY)


def _expire(recent: OrderedDict[str, int], cutoff: int) -> None:
    """Drop accounts last seen at or before `cutoff` (the oldest come first)."""
    while recent:
        account, at = next(iter(recent.items()))
        if at > cutoff:
            return
        del recent[account]


# -- batch recompute ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphReport:
    """What a full pass over history finds; every set holds account ids."""

    rings: tuple[frozenset[str], ...]
    mules: frozenset[str]
    bursts: tuple[frozenset[str], ...]
    components: dict[str, tuple[int, int]]
    """account -> (accounts, devices) of its component, for checking the hot path."""

    @property
    def flagged(self) -> frozenset[str]:
        out: set[str] = set(self.mules)
        for group in (*self.rings, *self.bursts):
            out |= group
        return frozenset(out)


def analyse(events: Iterable[Event]) -> GraphReport:
    """Recompute rings, mules and application bursts from scratch with networkx.

    Rings: a component (accounts joined through shared devices and phone numbers) with at
    least three accounts and more accounts than devices. Mules: accounts paid by at least
    three senders from different components that sent at least half of what they received
    onward within 24 h of receiving it. Bursts: three or more applications from one
    component within an hour.
    """
    links = nx.Graph()
    flows = nx.DiGraph()
    applications: list[tuple[int, str]] = []
    inbound: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    outbound: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for event in events:
        node = ("u", event.user_id)
        links.add_node(node)
        if event.device_id:
            links.add_edge(node, ("d", event.device_id))
        if event.phone:
            links.add_edge(node, ("h", event.phone))
        if event.type == "application":
            applications.append((event.ts, event.user_id))
        if event.payee_id is not None and event.amount is not None:
            flows.add_edge(event.user_id, event.payee_id)
            inbound[event.payee_id].append((event.ts, event.amount.amount))
            outbound[event.user_id].append((event.ts, event.amount.amount))

    components, component_of, rings = _rings(links)
    mules = _mules(flows, inbound, outbound, component_of)
    bursts = _bursts(applications, component_of)
    return GraphReport(rings, mules, bursts, components)


def _rings(
    links: nx.Graph,
) -> tuple[dict[str, tuple[int, int]], dict[str, int], tuple[frozenset[str], ...]]:
    """(account -> (accounts, devices) of its component, account -> component, rings)."""
    components: dict[str, tuple[int, int]] = {}
    component_of: dict[str, int] = {}
    rings: list[frozenset[str]] = []
    for index, nodes in enumerate(nx.connected_components(links)):
        accounts = frozenset(name for kind, name in nodes if kind == "u")
        devices = sum(1 for kind, _ in nodes if kind == "d")
        for account in accounts:
            components[account] = (len(accounts), devices)
            component_of[account] = index
        if len(accounts) >= MIN_RING and len(accounts) > devices:
            rings.append(accounts)
    return components, component_of, tuple(rings)


def _mules(
    flows: nx.DiGraph,
    inbound: dict[str, list[tuple[int, Decimal]]],
    outbound: dict[str, list[tuple[int, Decimal]]],
    component_of: dict[str, int],
) -> frozenset[str]:
    mules: set[str] = set()
    for account, sent in outbound.items():
        if account not in flows or flows.in_degree(account) < MULE_MIN_SENDERS:
            continue
        senders = {component_of[sender] for sender in flows.predecessors(account)}
        if len(senders) < MULE_MIN_SENDERS:
            continue
        received = inbound[account]
        first_in, last_in = received[0][0], received[-1][0]
        total_in = sum((amount for _, amount in received), Decimal(0))
        sent_soon = sum(
            (amount for at, amount in sent if first_in <= at <= last_in + DAY), Decimal(0)
        )
        if sent_soon >= total_in * MULE_OUT_SHARE:
            mules.add(account)
    return frozenset(mules)


def _bursts(
    applications: list[tuple[int, str]], component_of: dict[str, int]
) -> tuple[frozenset[str], ...]:
    by_component: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for at, account in applications:
        by_component[component_of[account]].append((at, account))
    bursts: list[frozenset[str]] = []
    for apps in by_component.values():
        apps.sort()
        start = 0
        burst: set[str] = set()
        for end in range(len(apps)):
            while apps[end][0] - apps[start][0] > HOUR:
                start += 1
            if end - start + 1 >= BURST_APPLICATIONS:
                burst.update(account for _, account in apps[start : end + 1])
        if burst:
            bursts.append(frozenset(burst))
    return tuple(bursts)
