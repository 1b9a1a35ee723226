"""Payees: who the money is for, reported as said ("妈妈", "老王", "Alice", "mum").

A payee is recognised by its place in the sentence ("给X转", "转给X", "send X", "to X") and by
what it looks like: a family or household word, 老/小 with a surname, a surname with a title
("王老师"), a full name, or an English name. Names never seen before are common, so the
position does most of the work; the shape keeps "给信用卡还款" from finding a person called
信用卡. Possessives are dropped ("我妈" → "妈", "my mum" → "mum") so the value can be matched
against a contact list.
"""

from __future__ import annotations

import re

from anxin.assistant.nlu.spans import MASK, Span

ZH_PEOPLE = [
    "妈妈",
    "老妈",
    "母亲",
    "妈咪",
    "爸爸",
    "老爸",
    "父亲",
    "爷爷",
    "奶奶",
    "外公",
    "外婆",
    "姥姥",
    "姥爷",
    "老婆",
    "老公",
    "媳妇",
    "爱人",
    "太太",
    "丈夫",
    "妻子",
    "儿子",
    "女儿",
    "闺女",
    "孩子",
    "哥哥",
    "姐姐",
    "弟弟",
    "妹妹",
    "表哥",
    "表姐",
    "表弟",
    "表妹",
    "堂哥",
    "堂姐",
    "堂弟",
    "堂妹",
    "叔叔",
    "阿姨",
    "舅舅",
    "舅妈",
    "姑姑",
    "姑妈",
    "姨妈",
    "小姨",
    "婶婶",
    "伯伯",
    "岳父",
    "岳母",
    "婆婆",
    "公公",
    "女朋友",
    "男朋友",
    "女友",
    "男友",
    "房东",
    "老板",
    "同事",
    "朋友",
    "室友",
    "同学",
    "老师",
    "保姆",
    "邻居",
    "师傅",
    "家教",
    "班主任",
    "教练",
    "医生",
    "护工",
    "钟点工",
    "妈",
    "爸",
    "哥",
    "姐",
    "弟",
    "妹",
]
EN_PEOPLE = [
    "mum",
    "mom",
    "mother",
    "mommy",
    "mummy",
    "dad",
    "father",
    "daddy",
    "grandma",
    "grandpa",
    "granny",
    "grandmother",
    "grandfather",
    "wife",
    "husband",
    "son",
    "daughter",
    "brother",
    "sister",
    "landlord",
    "landlady",
    "boss",
    "roommate",
    "flatmate",
    "friend",
    "uncle",
    "aunt",
    "auntie",
    "babysitter",
    "nanny",
    "cleaner",
    "tutor",
    "colleague",
    "partner",
    "girlfriend",
    "boyfriend",
    "kid",
    "kids",
    "parents",
    "teacher",
    "coach",
    "neighbour",
    "neighbor",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳"
    "甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解"
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边"
    "卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_TITLES = "总|老师|经理|师傅|医生|阿姨|叔叔|叔|姐|哥|先生|女士|小姐|老板|工|律师|教练"
_NOT_PEOPLE = {
    "我",
    "我自己",
    "自己",
    "他",
    "她",
    "它",
    "你",
    "您",
    "他们",
    "她们",
    "大家",
    "别人",
    "对方",
    # nouns that begin with a surname character and follow 给 ("给房租")
    "房租",
    "房贷",
    "房费",
    "车费",
    "花呗",
    "白条",
    "余额",
    "钱包",
    "管理费",
    "水电",
}

_ZH_KNOWN = "|".join(sorted(ZH_PEOPLE, key=len, reverse=True))
# 我妈, 我的房东, 老王, 小李, 王老师, 张总: shapes that are people wherever they stand.
_ZH_PERSON = (
    rf"(?:我的|我)?(?:{_ZH_KNOWN})"
    rf"|[老小][{SURNAMES}]"
    rf"|[{SURNAMES}](?:{_TITLES})"
)
# After 给/转给, a full name ("张三", "李明华", "Alice") is a person too.
_ZH_NAME = rf"{_ZH_PERSON}|[{SURNAMES}][\u4e00-\u9fff]{{1,2}}?|[a-z][a-z.'-]{{0,20}}"
_ZH_VERBS = "转|汇|打|付|发|充|交|缴|还|买|订|存|寄|借"
_ZH_AFTER = rf"(?=(?:{_ZH_VERBS})|[^\u4e00-\u9fff]|$|一下|点|个|钱|的|{MASK})"
_ZH_PATTERNS = [
    re.compile(rf"(?:给|向)(?P<x>{_ZH_NAME}){_ZH_AFTER}"),
    re.compile(
        rf"(?:转账|转钱|转款|汇款|打钱|打款|转|汇|打|付|还|借|发红包|发)给(?P<x>{_ZH_NAME})"
    ),
    re.compile(rf"(?:帮|替|还)(?P<x>{_ZH_PERSON})"),
    re.compile(rf"(?P<x>{_ZH_PERSON})的(?:账户|账号|卡|银行卡|微信|支付宝)"),
]

_EN_KNOWN = "|".join(sorted(EN_PEOPLE, key=len, reverse=True))
_EN_STOP = (
    "me|my|myself|you|it|us|them|him|her|the|a|an|this|that|account|savings|saving|checking|wallet|"
    "bank|card|usd|eur|cny|rmb|my|our|your|his|their|pay|buy|save|be|invest|get|do|see|check|"
    "everyone|someone|somebody|people|back|off|up|some|money|cash|funds|please|now|today|"
    "tomorrow|how|what|who|order|book|make|send|transfer|top|for|bill|bills|rent|card|euros|"
    "dollars|yen|pounds|yuan|and|or|in|on|at|by|from|with|i|we|to|into|towards|toward|of|"
    "credit|debit|arrives|comes|lands|is|was|will|all|half|more|less|off"
)
_EN_NAME = rf"(?!(?:{_EN_STOP})\b)[a-z][a-z'.-]*(?: (?!(?:{_EN_STOP})\b)[a-z][a-z'.-]*)?"
_EN_VERBS = r"send|sending|transfer|wire|remit|pay|paying|give|lend|venmo|owe|move|repay"
_PLACES = {
    "beijing",
    "shanghai",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "chengdu",
    "hong kong",
    "london",
    "paris",
    "tokyo",
    "new york",
    "singapore",
    "china",
    "the us",
    "usa",
    "uk",
}
# (pattern, whether an unknown name needs a capital letter). Right before or after an amount
# ("send 50 to alice", "pay bob 30") the position alone is strong enough.
_EN_PATTERNS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(rf"\b(?:{_EN_VERBS}) (?:my )?(?P<x>{_EN_KNOWN}|{_EN_NAME})(?=\s*{MASK})"), False),
    (re.compile(rf"\b(?:{_EN_VERBS}) {MASK}+ to (?:my )?(?P<x>{_EN_KNOWN}|{_EN_NAME})\b"), False),
    (re.compile(rf"\b(?:{_EN_VERBS}) (?:my )?(?P<x>{_EN_KNOWN}|{_EN_NAME})(?= back\b|\s*$)"), True),
    (
        re.compile(
            rf"\b(?:{_EN_VERBS})\b[^.?!]{{0,40}}?\bto (?:my )?(?P<x>{_EN_KNOWN}|{_EN_NAME})\b"
        ),
        True,
    ),
    # "top up the phone for mum": only people words after "for"
    (re.compile(rf"\bfor (?:my )?(?P<x>{_EN_KNOWN})\b(?!'s)"), True),
]


def find_payees(text: str, cased: str) -> list[Span]:
    """Payees in `text` (folded, earlier finds masked); values are cut from `cased`."""
    spans: list[Span] = []
    taken: set[int] = set()
    patterns = [(p, False) for p in _ZH_PATTERNS] + _EN_PATTERNS
    for pattern, needs_capital in patterns:
        for m in pattern.finditer(text):
            start, end = m.span("x")
            if start in taken:
                continue
            value = _strip_possessive(cased[start:end].strip())
            if not value or value in _NOT_PEOPLE or not _plausible(value, needs_capital):
                continue
            taken.add(start)
            spans.append(Span(start, end, "PAYEE", {"payee": value}))
    return sorted(spans, key=lambda s: s.start)


def _plausible(value: str, needs_capital: bool) -> bool:
    """Unknown English names need a capital unless an amount is beside them ("to limit" is no
    person, "to Alice" is)."""
    if not value.isascii():
        return True
    lowered = value.lower()
    if lowered in _PLACES:
        return False
    if lowered in EN_PEOPLE or not needs_capital:
        return True
    return all(word[:1].isupper() for word in value.split())


def _strip_possessive(value: str) -> str:
    for prefix in ("我的", "my "):
        if value.lower().startswith(prefix):
            return value[len(prefix) :]
    if value.startswith("我") and len(value) > 1:
        return value[1:]
    return value
