"""Pure parts of the web app: suggestions, categories, the chart, languages, redirects."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from anxin.web import categories as c
from anxin.web import suggestions as s
from anxin.web.chart import HEIGHT, TOP, layout, month_starts, nice_ceiling
from anxin.web.forms import Form
from anxin.web.i18n import catalogue, from_accept_language, translate
from anxin.web.page import money
from anxin.web.session import safe_next

DAY = s.DAY_MICROS
NOW = 1_000 * DAY


def test_a_new_user_is_offered_the_three_commonest_things() -> None:
    offered = s.suggest([], NOW)
    assert [x.action for x in offered] == [s.TRANSFER, s.BILL, s.TOPUP]
    assert all(x.target is None for x in offered)


def test_habits_come_first_and_name_who_or_what() -> None:
    done = [
        *(s.Activity(s.TRANSFER, "妈妈", NOW - k * 30 * DAY) for k in range(4)),
        *(s.Activity(s.BILL, "electricity", NOW - k * 31 * DAY) for k in range(3)),
        s.Activity(s.FX, None, NOW - 200 * DAY),
    ]
    offered = s.suggest(done, NOW)
    assert [(x.action, x.target) for x in offered] == [
        (s.TRANSFER, "妈妈"),
        (s.BILL, "electricity"),
        (s.FX, None),
    ]
    assert offered[0].href == "/transfer?to=%E5%A6%88%E5%A6%88"
    assert offered[1].href == "/bills?biller=electricity"


def test_recent_habits_outrank_old_ones() -> None:
    done = [
        *(s.Activity(s.TRANSFER, "老王", NOW - (300 + k) * DAY) for k in range(5)),
        s.Activity(s.TRANSFER, "妈妈", NOW - DAY),
    ]
    assert s.suggest(done, NOW)[0].target == "妈妈"


def test_defaults_fill_in_without_repeating_an_action() -> None:
    offered = s.suggest([s.Activity(s.TRANSFER, "妈妈", NOW)], NOW)
    assert [(x.action, x.target) for x in offered] == [
        (s.TRANSFER, "妈妈"),
        (s.BILL, None),
        (s.TOPUP, None),
    ]


activities = st.builds(
    s.Activity,
    st.sampled_from([*s.HREFS, "unknown"]),
    st.one_of(st.none(), st.sampled_from(["妈妈", "老王", "electricity"])),
    st.integers(0, NOW),
)


@given(st.lists(activities, max_size=40))
def test_always_three_distinct_suggestions_on_this_site(done: list[s.Activity]) -> None:
    offered = s.suggest(done, NOW)
    assert len(offered) == 3
    assert len({(x.action, x.target) for x in offered}) == 3
    assert all(x.href.startswith("/") and not x.href.startswith("//") for x in offered)


def test_categories_follow_what_each_payment_service_writes() -> None:
    assert c.category_of({"type": "p2p", "to_user": "u"}) == c.TRANSFER
    assert c.category_of({"type": "bill", "biller": "electricity"}) == c.UTILITIES
    assert c.category_of({"type": "bill", "biller": "gas"}) == c.UTILITIES
    assert c.category_of({"type": "bill", "biller": "broadband"}) == c.TELECOM
    assert c.category_of({"type": "topup", "biller": "mobile"}) == c.TELECOM
    assert c.category_of({"type": "bill", "biller": "property"}) == c.HOUSING
    assert c.category_of({"type": "topup", "order_id": "o", "bank": "sandbox"}) == c.CASH
    assert c.category_of({"type": "withdrawal"}) == c.CASH
    assert c.category_of({"type": "fee"}) == c.FEES
    assert c.category_of({"type": "fx", "quote_id": "q"}) == c.FX
    assert c.category_of({"type": "merchant_payment", "merchant_id": "m"}) == c.SHOPPING
    assert c.category_of({"type": "salary-split"}) == c.SAVINGS
    assert c.category_of({"by": "someone"}) == c.OTHER
    assert c.category_of(None) == c.OTHER
    assert set(c.CATEGORIES) >= {*c.TYPE_CATEGORY.values(), *c.BILLER_CATEGORY.values()}


def test_the_chart_stacks_each_month_into_the_plot() -> None:
    chart = layout([{0: 30_000, 2: 20_000}, {}, {1: 100_000}], ["9月", "10月", "11月"])
    assert len(chart.bars) == 3
    first = [b for b in chart.bars if b.month == 0]
    assert first[0].y == first[1].y + first[1].height, "stacked without a gap"
    tallest = next(b for b in chart.bars if b.month == 2)
    assert tallest.y == TOP and chart.ticks[-1] == (TOP, 100_000)
    assert [text for _x, text in chart.labels] == ["9月", "10月", "11月"]


@given(st.lists(st.dictionaries(st.integers(0, 9), st.integers(0, 10**12), max_size=5), max_size=7))
def test_bars_never_leave_the_plot(months: list[dict[int, int]]) -> None:
    chart = layout(months, [str(i) for i in range(len(months))])
    for bar in chart.bars:
        assert bar.y >= TOP - 1 and bar.y + bar.height <= HEIGHT
        assert bar.height > 0


def test_axis_maxima_are_round_numbers() -> None:
    assert [nice_ceiling(n) for n in (0, 1, 7, 12, 199, 201, 999, 1000)] == [
        100, 1, 10, 20, 200, 500, 1000, 1000,
    ]  # fmt: skip
    assert month_starts(date(2026, 2, 14), 3) == [
        date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1),
    ]  # fmt: skip


def test_both_catalogues_say_the_same_things() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert set(zh) == set(en)
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_elder_mode_prefers_plainer_words_where_written() -> None:
    assert translate("zh", "transfer.amount") == "金额（元）"
    assert translate("zh", "transfer.amount", elder=True) == "转多少钱（元）"
    assert translate("zh", "transfer.payee", elder=True) == "收款人"
    assert translate("en", "home.greeting", name="Ming") == "Hello, Ming"
    assert translate("en", "no.such.key") == "no.such.key"


def test_the_browser_language_picks_zh_or_en() -> None:
    assert from_accept_language("en-US,en;q=0.9") == "en"
    assert from_accept_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert from_accept_language("fr-FR, en;q=0.5, zh;q=0.7") == "zh"
    assert from_accept_language("de-DE") == "zh"
    assert from_accept_language(None) == "zh"
    assert from_accept_language("en;q=0, zh-TW") == "zh"


def test_redirects_stay_on_this_site() -> None:
    assert safe_next("/transactions?start=2026-11-01") == "/transactions?start=2026-11-01"
    for outside in ("//evil.example", "https://evil.example/", "evil", "/\\evil.example", None):
        assert safe_next(outside) == "/"


def test_money_is_shown_with_symbol_and_grouping() -> None:
    assert money(123_456_789, "CNY") == "¥1,234,567.89"
    assert money(-1200, "CNY") == "-¥12.00"
    assert money(5, "JPY") == "JP¥5"
    assert money(100, "CHF") == "CHF 1.00"


def test_forms_keep_the_first_value_and_trim() -> None:
    form = Form.parse(b"to=%E5%A6%88%E5%A6%88+&amount=5&amount=6&note=")
    assert form.get("to") == "妈妈" and form.get("amount") == "5"
    assert form.optional("note") is None and form.get("missing") == ""
