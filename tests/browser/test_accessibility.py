"""axe-core on every page of the web app, standard and elder mode: nothing serious or critical.

The pages are enumerated from the web app's own routers (every GET page without a path
parameter), so a page added later is checked without touching this file; pages reached only
through a form or a link with an id (confirmations, results, a guardian's view of a parent)
are visited the way a person reaches them.
"""

from __future__ import annotations

from typing import Any

import pytest
from browserkit import (  # noqa: F401
    Browsing,
    Person,
    axe_violations,
    browsing_fixture,
    chromium_fixture,
    describe,
    guard,
    live_server_fixture,
    seasoned,
    shop_code,
    signed_in,
)

from anxin.web.routes import PAGE_ROUTERS

SIGNED_OUT = ("/login", "/signup")


def page_paths() -> list[str]:
    """Every GET page of the web app that needs no id in its path."""
    found = set()
    for router in PAGE_ROUTERS:
        for route in router.routes:
            path = str(getattr(route, "path", ""))
            if "GET" in getattr(route, "methods", ()) and "{" not in path:
                found.add(path)
    return sorted(found)


@pytest.fixture(scope="module")
def people(live_server: Any) -> dict[str, Any]:
    """A standard-mode person who is the guardian of an elder-mode one, whose payment above
    the limit waits for approval."""
    standard = seasoned(live_server, "ally")
    elder = seasoned(live_server, "elda", elder=True)
    held = guard(live_server, elder, standard)
    code = shop_code(live_server)
    return {"standard": standard, "elder": elder, "held": held, "qr": code}


def is_html(page: Any, path: str) -> bool:
    answer = page.request.get(path)
    return str(answer.headers.get("content-type", "")).startswith("text/html")


def check(page: Any, where: str) -> list[str]:
    found = axe_violations(page)
    return [describe(where, found)] if found else []


def submit(page: Any, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_no_serious_violation_on_any_signed_in_page(
    browsing: Browsing, people: dict[str, Any], mode: str
) -> None:
    tab = signed_in(browsing, people[mode].token)
    problems: list[str] = []
    for path in page_paths():
        if path in SIGNED_OUT or not is_html(tab, path):
            continue  # the privacy export is a file to download, not a page
        answer = tab.goto(path)
        assert answer is not None and answer.ok, f"{path}: HTTP {answer and answer.status}"
        assert tab.evaluate("document.body.classList.contains('elder')") == (mode == "elder")
        problems += check(tab, f"{mode} {path}")
    assert not problems, "\n".join(problems)


def confirmations(tab: Any, mode: str, qr: str) -> list[str]:
    """Transfer, bill, top-up, withdrawal, FX and QR pay: the form with an error, the
    confirmation and the result, as a person goes through them."""
    problems: list[str] = []
    tab.goto("/transfer")
    tab.fill("#f-to", "妈妈")
    tab.fill("#f-amount", "abc")
    submit(tab, "form[action='/transfer']")
    problems += check(tab, f"{mode} transfer form with an error")
    tab.fill("#f-amount", "1")
    submit(tab, "form[action='/transfer']")
    problems += check(tab, f"{mode} transfer confirmation")
    submit(tab, "form[action='/transfer/confirm']")
    problems += check(tab, f"{mode} transfer done")

    tab.goto("/bills")
    with tab.expect_navigation():
        tab.locator("a.action[href$='/pay']").first.click()
    problems += check(tab, f"{mode} bill confirmation")
    submit(tab, "form[action$='/pay']")
    problems += check(tab, f"{mode} bill paid")

    for kind in ("topup", "withdraw"):
        tab.goto(f"/wallet/{kind}")
        tab.fill("#f-amount", "100")
        submit(tab, f"form[action='/wallet/{kind}']")
        problems += check(tab, f"{mode} {kind} quote")
    submit(tab, "form[action='/wallet/withdraw/confirm']")
    problems += check(tab, f"{mode} withdrawal order")

    tab.goto("/fx")
    tab.fill("#f-amount", "100")
    submit(tab, "form[action='/fx/quote']")
    problems += check(tab, f"{mode} FX quote")

    tab.goto("/pay/qr")
    tab.fill("#f-qr", qr)
    submit(tab, "form[action='/pay/qr']")
    problems += check(tab, f"{mode} QR pay confirmation")
    submit(tab, "form[action='/pay/qr/confirm']")
    problems += check(tab, f"{mode} QR pay done")
    tab.goto("/transfer/done/no-such-transfer")
    problems += check(tab, f"{mode} error page")
    return problems


def test_no_serious_violation_on_confirmation_and_result_pages(
    browsing: Browsing, people: dict[str, Any]
) -> None:
    problems: list[str] = []
    for mode in ("standard", "elder"):
        problems += confirmations(signed_in(browsing, people[mode].token), mode, people["qr"])
    assert not problems, "\n".join(problems)


def test_no_serious_violation_for_the_assistant_and_the_family_pages(
    browsing: Browsing, people: dict[str, Any]
) -> None:
    guardian, parent = people["standard"], people["elder"]
    problems: list[str] = []
    for mode, person in (("standard", guardian), ("elder", parent)):
        tab = signed_in(browsing, person.token)
        tab.goto("/")
        tab.fill("#assistant-text", "我还有多少钱")
        tab.locator(".assistant-form button[type=submit]").click()  # answered in place by JS
        tab.locator(".chat .turn.assistant").wait_for()
        problems += check(tab, f"{mode} home with an assistant reply")
    tab = signed_in(browsing, guardian.token)
    tab.goto(f"/family/wards/{parent.user_id}")
    assert tab.locator("form[action$='/approve']").count() == 1
    problems += check(tab, "standard guardian's approval page")
    tab = signed_in(browsing, parent.token)
    tab.goto(f"/transfer/done/{people['held']}")
    problems += check(tab, "elder payment waiting for the guardian")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("elder", [False, True])
def test_no_serious_violation_signed_out_and_on_home_in_both_languages(
    browsing: Browsing, people: dict[str, Person], locale: str, elder: bool
) -> None:
    tab = browsing.page(locale)
    problems: list[str] = []
    if elder:
        tab.context.add_cookies([{"name": "anxin_elder", "value": "1", "url": browsing.server.url}])
    for path in SIGNED_OUT:
        tab.goto(path)
        problems += check(tab, f"{locale} elder={elder} {path}")
    home = signed_in(browsing, people["elder" if elder else "standard"].token, locale)
    home.goto("/")
    assert home.evaluate("document.documentElement.lang") == locale.replace("-US", "")
    problems += check(home, f"{locale} elder={elder} home")
    assert not problems, "\n".join(problems)
