"""The browser tests' kit: the real app under uvicorn, Debian's Chromium driven by Playwright.

Test modules import the three `*_fixture` functions (`# noqa: F401`): pytest collects fixtures
from a test module's globals, under the name each declares (`browsing`, `live_server`,
`chromium`); a conftest.py here would shadow the top-level one. The browser is the system's
(`/usr/bin/chromium`, the apt package): Playwright's own browser download cannot be fetched
here, and `make test` installs the apt package when it can. Without a Chromium the tests
skip with one line, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from anxin.api.app import create_app
from anxin.api.services import Services
from anxin.core.clock import Clock
from anxin.core.db import Database
from anxin.core.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
ADMIN_TOKEN = "browser-admin-token"
PASSWORD = "correct horse battery"
APPROVING_CARD = "6200000000000062"
"""The sandbox bank's test card that always approves."""
TIMEOUT_MS = 15_000
HOME = re.compile(r"^http://[^/]+/$")
"""The home page's URL, whatever the port."""
_names = itertools.count(1)


def chromium_path() -> str | None:
    """Debian's Chromium, else whatever `chromium` is on PATH; None when there is none."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def require_chromium() -> str:
    """The Chromium to launch; skips the test (fails it under CI=true) when there is none."""
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright is not installed (pip install -e '.[dev]')"
    path = chromium_path()
    if reason is None and path is None:
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    assert path is not None
    return path


def browser_settings(data_dir: Path) -> Settings:
    """A fresh SQLite app whose sandbox bank approves at once (the maintenance loop settles
    within a second) and whose risk engine stays out of the way: these tests are about pages.
    """
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'anxin.db'}",
        admin_token=ADMIN_TOKEN,
        secret_key="browser-test-secret",
        bank_sandbox_decline_rate=0,
        bank_sandbox_timeout_rate=0,
        bank_sandbox_min_delay_seconds=0,
        bank_sandbox_max_delay_seconds=0,
        risk_engine=False,
    )


@dataclass
class LiveServer:
    url: str
    services: Services

    def api(self, token: str | None = None) -> httpx.Client:
        """An HTTP client on the running app, as a user (`token`) or as the admin."""
        bearer = token or ADMIN_TOKEN
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {bearer}"}, timeout=10
        )


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        """The test process keeps its own signal handlers; `should_exit` stops this server."""


@contextlib.contextmanager
def serve(settings: Settings, clock: Clock | None = None) -> Iterator[LiveServer]:
    """Migrate, then run the app on a free port in a background thread until closed."""
    database = Database(settings.resolved_database_url())
    database.upgrade()
    database.dispose()
    app = create_app(settings, clock)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app.state.services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


_SHARED = pytest.StashKey[dict[str, Any]]()


def shared(config: pytest.Config, name: str, start: Callable[[contextlib.ExitStack], Any]) -> Any:
    """One `name` per test run, closed when the run ends. Each test module that imports a
    fixture gets its own copy of the fixture, so a session scope alone would start two."""
    store = config.stash.setdefault(_SHARED, {})
    if name not in store:
        stack = contextlib.ExitStack()
        config.add_cleanup(stack.close)
        store[name] = start(stack)
    return store[name]


@pytest.fixture(scope="session", name="live_server")
def live_server_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """One app for the whole run; every test signs up its own people."""
    require_chromium()
    settings = browser_settings(tmp_path_factory.mktemp("browser-app"))
    server: LiveServer = shared(
        request.config, "server", lambda stack: stack.enter_context(serve(settings))
    )
    return server


def _launch(stack: contextlib.ExitStack, path: str) -> Any:
    from playwright.sync_api import sync_playwright

    playwright = stack.enter_context(sync_playwright())
    browser = playwright.chromium.launch(executable_path=path, headless=True)
    stack.callback(browser.close)
    return browser


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture(request: pytest.FixtureRequest) -> Any:
    """One headless Chromium for the whole run (launching takes a second or more)."""
    path = require_chromium()
    return shared(request.config, "chromium", lambda stack: _launch(stack, path))


@dataclass
class Browsing:
    """What a test drives: a fresh browser context (its own cookies) on the live server."""

    server: LiveServer
    new_context: Callable[..., Any]

    def page(self, locale: str = "zh-CN") -> Any:
        """A new tab in a new context (another person's browser) with `locale`."""
        context = self.new_context(locale=locale)
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        return tab


@pytest.fixture(name="browsing")
def browsing_fixture(live_server: LiveServer, chromium: Any) -> Iterator[Browsing]:
    """Fresh contexts for one test, closed afterwards."""
    contexts: list[Any] = []

    def new_context(**options: Any) -> Any:
        context = chromium.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, **options
        )
        contexts.append(context)
        return context

    yield Browsing(live_server, new_context)
    for context in contexts:
        context.close()


def unique(prefix: str) -> str:
    """A username no other test in this session has taken."""
    return f"{prefix}{os.getpid() % 10_000}x{next(_names)}"


def sign_up(page: Any, username: str, display_name: str) -> None:
    """Sign up through the page, as a person would; ends signed in on the home page."""
    page.goto("/signup")
    page.fill("#f-username", username)
    page.fill("#f-display_name", display_name)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_again", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(HOME)


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def api_token(server: LiveServer, username: str) -> str:
    with server.api() as api:
        answer = api.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def computed(page: Any, selector: str, prop: str) -> str:
    """A CSS property of the first element matching `selector`, as the browser computed it."""
    value = page.eval_on_selector(
        selector, "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop
    )
    return str(value)


def pixels(value: str) -> float:
    assert value.endswith("px"), value
    return float(value[:-2])


def register(server: LiveServer, username: str, display_name: str) -> str:
    """Someone who signed up elsewhere (the API); returns their bearer token."""
    body = {"username": username, "password": PASSWORD, "display_name": display_name}
    with server.api() as api:
        made = api.post("/v1/users", json=body)
    assert made.status_code == 201, made.text
    return api_token(server, username)


def add_contact(server: LiveServer, token: str, name: str, username: str) -> None:
    with server.api(token) as api:
        added = api.post("/v1/contacts", json={"name": name, "username": username})
    assert added.status_code == 201, added.text


def link_card_by_api(server: LiveServer, token: str) -> str:
    """Bind and verify the approving test card (answering the sandbox's hint); its id."""
    with server.api(token) as api:
        bound = api.post("/v1/cards", json={"number": APPROVING_CARD, "holder_name": "王小明"})
        assert bound.status_code == 201, bound.text
        hint = bound.json()["verification"]["sandbox_hint"]
        card = str(bound.json()["id"])
        verified = api.post(f"/v1/cards/{card}/verify", json={"amount": hint.rsplit(" ", 1)[1]})
        assert verified.status_code == 200, verified.text
    return card


def top_up_by_api(server: LiveServer, token: str, amount: str) -> None:
    """Top up from a verified card and wait for the sandbox bank to settle it."""
    card = link_card_by_api(server, token)
    with server.api(token) as api:
        order = api.post(
            "/v1/wallet/topups", json={"card_id": card, "amount": amount},
            headers={"Idempotency-Key": f"browser-topup-{next(_names)}"},
        )  # fmt: skip
        assert order.status_code == 201, order.text
        wait_until(lambda: api.get(f"/v1/wallet/topups/{order.json()['id']}").json()["status"]
                   == "succeeded")  # fmt: skip


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Poll `condition` (the maintenance loop settles once a second)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)


def signed_in(browsing: Browsing, token: str, locale: str = "zh-CN") -> Any:
    """A tab already signed in with `token`: the session cookie is the bearer token."""
    tab = browsing.page(locale)
    tab.context.add_cookies([{"name": "anxin_session", "value": token, "url": browsing.server.url}])
    return tab


SERIOUS = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [v for v in found if v.get("impact") in SERIOUS]


def describe(where: str, violations: list[dict[str, Any]]) -> str:
    """Violations as lines a person can act on: rule, impact, help, the offending elements."""
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Person:
    username: str
    token: str
    user_id: str


def bill_account() -> str:
    """An electricity account number of its own: the sandbox biller remembers paid bills per
    account number for the life of the process."""
    return f"031{next(_names):07d}"


def seasoned(server: LiveServer, prefix: str, *, elder: bool = False) -> Person:
    """Someone with history: 妈妈 as a contact, a top-up, a payment to her, an electricity
    account bound; in elder mode when asked (a remembered preference, as the switch sets)."""
    mum = unique("mum")
    register(server, mum, "妈妈")
    username = unique(prefix)
    token = register(server, username, "小明")
    add_contact(server, token, "妈妈", mum)
    top_up_by_api(server, token, "5000.00")
    with server.api(token) as api:
        paid = api.post(
            "/v1/payments/p2p", json={"to": {"payee": "妈妈"}, "amount": "200.00"},
            headers={"Idempotency-Key": f"browser-p2p-{next(_names)}"},
        )  # fmt: skip
        assert paid.status_code == 201, paid.text
        bound = api.post(
            "/v1/bills/accounts", json={"biller": "electricity", "account_number": bill_account()}
        )
        assert bound.status_code == 201, bound.text
        if elder:
            changed = api.patch("/v1/me/preferences", json={"elder_mode": True})
            assert changed.status_code == 200, changed.text
        me = api.get("/v1/me")
    assert me.status_code == 200, me.text
    return Person(username, token, str(me.json()["id"]))


def guard(server: LiveServer, parent: Person, guardian: Person, limit: str = "1000") -> str:
    """`guardian` becomes `parent`'s guardian, then `parent` sends more than the limit to
    them, which waits for the guardian's approval; returns the held transfer's id."""
    with server.api(parent.token) as api:
        invited = api.post(
            "/v1/family/guardians", json={"username": guardian.username, "approval_limit": limit}
        )
        assert invited.status_code == 201, invited.text
    with server.api(guardian.token) as api:
        accepted = api.post(f"/v1/family/invitations/{invited.json()['id']}/accept")
        assert accepted.status_code == 200, accepted.text
    with server.api(parent.token) as api:
        held = api.post(
            "/v1/payments/p2p",
            json={"to": {"username": guardian.username}, "amount": f"{int(limit) + 500}.00"},
            headers={"Idempotency-Key": f"browser-held-{next(_names)}"},
        )  # fmt: skip
        assert held.status_code == 202, held.text
    return str(held.json()["transfer"]["id"])


def shop_code(server: LiveServer, amount: str = "30.00") -> str:
    """A café's signed QR code for `amount`, as its owner would show it at the till."""
    owner = register(server, unique("cafe"), "小明咖啡")
    with server.api(owner) as api:
        shop = api.post("/v1/merchants", json={"name": "小明咖啡"})
        assert shop.status_code == 201, shop.text
        code = api.post(f"/v1/merchants/{shop.json()['id']}/qr", json={"amount": amount})
        assert code.status_code == 201, code.text
    return str(code.json()["qr"])
