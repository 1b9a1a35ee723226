"""Closed vocabularies: billers, products and savings goals, each said many ways.

Each surface form maps to one canonical id, so "电费", "electric bill" and "power bill" all
become biller `electricity` and a dialogue never has to know how it was said. Products carry
a category (invest, insurance, service, loan) that becomes their placeholder: "买{FUND}" and
"{SERVICE}订一张" read differently to the intent classifier, which is the point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anxin.assistant.nlu.spans import Span

BILLERS: dict[str, tuple[str, ...]] = {
    "electricity": (
        "电费",
        "电力费",
        "电费单",
        "electricity bill",
        "electricity",
        "electric bill",
        "power bill",
    ),
    "water": ("自来水费", "水费", "water bill", "water"),
    "gas": ("燃气费", "燃气", "煤气费", "煤气", "天然气费", "天然气", "gas bill", "gas"),
    "mobile": (
        "话费",
        "手机费",
        "电话费",
        "手机充值",
        "充手机",
        "手机流量",
        "流量",
        "phone bill",
        "mobile bill",
        "phone credit",
        "mobile credit",
        "airtime",
        "mobile top-up",
        "mobile top up",
        "phone top-up",
        "mobile data",
    ),
    "broadband": (
        "宽带费",
        "宽带",
        "网费",
        "上网费",
        "broadband",
        "internet bill",
        "wifi bill",
        "internet",
    ),
    "property": (
        "物业管理费",
        "物业费",
        "物业",
        "property management fee",
        "property fee",
        "management fee",
        "hoa fee",
        "hoa",
        "strata fee",
        "service charge",
    ),
    "heating": ("暖气费", "暖气", "供暖费", "采暖费", "取暖费", "供暖", "heating bill", "heating"),
}

# product id -> (category, surface forms)
PRODUCTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "index_fund": (
        "invest",
        (
            "指数基金",
            "沪深300",
            "中证500",
            "标普500",
            "纳指100",
            "index fund",
            "index funds",
            "s&p 500",
            "s&p500",
        ),
    ),
    "money_market_fund": (
        "invest",
        ("货币基金", "货币型基金", "货基", "余额宝", "零钱通", "money market fund", "money market"),
    ),
    "bond_fund": ("invest", ("债券基金", "债券型基金", "债基", "bond fund", "bond funds")),
    "equity_fund": ("invest", ("股票基金", "股票型基金", "混合基金", "偏股基金", "equity fund")),
    "fund": ("invest", ("基金", "mutual fund", "mutual funds", "fund")),
    "gold": ("invest", ("黄金", "积存金", "金条", "gold")),
    "time_deposit": (
        "invest",
        (
            "定期存款",
            "大额存单",
            "定存",
            "定期",
            "time deposit",
            "fixed deposit",
            "certificate of deposit",
        ),
    ),
    "treasury_bond": ("invest", ("国债", "treasury bonds", "treasury bond", "government bonds")),
    "stock": ("invest", ("股票", "stocks", "shares")),
    "etf": ("invest", ("etf",)),
    "wealth_product": ("invest", ("理财产品", "银行理财", "理财", "wealth management product")),
    "medical_insurance": (
        "insurance",
        ("医疗险", "医疗保险", "百万医疗", "医保", "health insurance", "medical insurance"),
    ),
    "car_insurance": (
        "insurance",
        ("车险", "汽车保险", "交强险", "car insurance", "auto insurance", "motor insurance"),
    ),
    "accident_insurance": ("insurance", ("意外险", "意外保险", "accident insurance")),
    "travel_insurance": (
        "insurance",
        ("旅游险", "旅行险", "航班延误险", "航延险", "travel insurance", "flight delay insurance"),
    ),
    "home_insurance": (
        "insurance",
        ("家财险", "家庭财产保险", "home insurance", "property insurance"),
    ),
    "life_insurance": ("insurance", ("寿险", "人寿保险", "life insurance")),
    "critical_illness_insurance": ("insurance", ("重疾险", "重大疾病保险", "critical illness")),
    "screen_insurance": ("insurance", ("碎屏险", "screen insurance")),
    "movie_ticket": (
        "service",
        ("电影票", "看电影", "movie tickets", "movie ticket", "cinema", "movie"),
    ),
    "train_ticket": (
        "service",
        ("火车票", "高铁票", "动车票", "train tickets", "train ticket", "train"),
    ),
    "flight": ("service", ("飞机票", "机票", "plane tickets", "plane ticket", "flights", "flight")),
    "taxi": (
        "service",
        (
            "打车",
            "打个车",
            "打辆车",
            "叫车",
            "叫辆车",
            "出租车",
            "网约车",
            "叫个车",
            "taxis",
            "taxi",
            "cabs",
            "cab",
            "uber",
        ),
    ),
    "hotel": ("service", ("酒店", "宾馆", "民宿", "订房", "hotel room", "hotel")),
    "food_delivery": ("service", ("外卖", "点餐", "food delivery", "takeout", "takeaway")),
    "hospital_appointment": (
        "service",
        (
            "挂号",
            "预约医生",
            "门诊",
            "doctor's appointment",
            "doctor appointment",
            "hospital appointment",
        ),
    ),
    "express_delivery": ("service", ("寄快递", "快递", "寄件", "courier", "parcel")),
    "transit_card": (
        "service",
        ("公交卡", "交通卡", "地铁卡", "一卡通", "transit card", "metro card", "bus card"),
    ),
    "parking": ("service", ("停车费", "parking fee", "parking")),
    "event_ticket": (
        "service",
        ("演唱会门票", "演唱会", "门票", "concert tickets", "concert ticket", "concert"),
    ),
    "mortgage": ("loan", ("房贷", "住房贷款", "按揭", "mortgage", "home loan")),
    "car_loan": ("loan", ("车贷", "汽车贷款", "car loan", "auto loan")),
    "personal_loan": ("loan", ("消费贷", "信用贷", "个人贷款", "现金贷", "personal loan")),
    "business_loan": ("loan", ("经营贷", "business loan")),
    "student_loan": ("loan", ("助学贷款", "student loan")),
}

GOALS: dict[str, tuple[str, ...]] = {
    "travel": ("旅游", "旅行", "出国玩", "度假", "出去玩", "trip", "travel", "vacation", "holiday"),
    "house": ("买房", "首付", "房子", "房款", "house", "down payment", "new home", "apartment"),
    "car": ("买车", "车子", "新车", "new car", "buy a car", "buying a car"),
    "education": ("教育金", "教育", "上大学", "留学", "education", "college", "university"),
    "wedding": ("结婚", "婚礼", "彩礼", "wedding"),
    "emergency": (
        "应急资金",
        "应急金",
        "备用金",
        "应急",
        "emergency fund",
        "rainy day",
        "emergency",
    ),
    "retirement": ("养老", "退休", "retirement", "pension"),
    "baby": ("生孩子", "宝宝", "baby"),
}

_PLACEHOLDERS = {
    "invest": "FUND",
    "insurance": "INSURANCE",
    "service": "SERVICE",
    "loan": "LOAN",
}


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str
    slot: str
    value: str


def _entries() -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for biller, words in BILLERS.items():
        entries.update({w: _Entry("BILLER", "biller", biller) for w in words})
    for product, (category, words) in PRODUCTS.items():
        entries.update({w: _Entry(_PLACEHOLDERS[category], "product", product) for w in words})
    for goal, words in GOALS.items():
        entries.update({w: _Entry("GOAL", "goal", goal) for w in words})
    return entries


_ENTRIES = _entries()
# One alternation, longest first, so "物业管理费" wins over "物业" and "car insurance" over "car".
_LEXICON_RE = re.compile(
    "|".join(
        (rf"(?<![a-z]){re.escape(w)}(?![a-z])" if w.isascii() else re.escape(w))
        for w in sorted(_ENTRIES, key=len, reverse=True)
    )
)


# "top up my phone" and "recharge 50 yuan to my phone" are phone bills; "my phone number" and
# "my phone screen" are not.
_PHONE_TOP_UP = re.compile(
    r"\b(?:top up|top-up|recharge|reload)\b(?:[^.?!]{0,20}?\b(?:to|on|for)\b)?\s*"
    r"(?P<phone>(?:my |the |a )?(?:phone|mobile))\b(?! number| screen)"
)
# "旅游基金", "travel fund": a fund for a goal is the goal, not an investment product.
_GOAL_FUND = re.compile(r"\s?(?:基金|存款|账户|fund|pot)")


def find_lexicon(text: str) -> list[Span]:
    """Billers, products and goals named in `text` (folded)."""
    spans = [
        Span(m.start("phone"), m.end("phone"), "BILLER", {"biller": "mobile"})
        for m in _PHONE_TOP_UP.finditer(text)
    ]
    for m in _LEXICON_RE.finditer(text):
        if any(s.start <= m.start() < s.end for s in spans):
            continue
        entry = _ENTRIES[m.group()]
        end = m.end()
        if entry.kind == "GOAL" and (fund := _GOAL_FUND.match(text, end)):
            end = fund.end()
        spans.append(Span(m.start(), end, entry.kind, {entry.slot: entry.value}))
    return sorted(spans, key=lambda s: s.start)
