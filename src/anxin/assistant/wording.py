"""Everything the assistant says, in Chinese and English, standard and elder (short) forms.

Words are kept apart from the dialogue's decisions so that one sentence can be reviewed,
translated or shortened without touching the state machine. Elder wording uses short
sentences, one fact each; where no elder form is written, the standard one is used.
"""

from __future__ import annotations

from typing import Any

from anxin.core.money import Money

Lang = str  # "zh" | "en"


# key -> (zh, en, zh elder, en elder); an empty elder form falls back to the standard one.
_TEXTS: dict[str, tuple[str, str, str, str]] = {
    "ask_payee": ("转给谁？", "Who should I send it to?", "转给谁？", "To whom?"),
    "ask_amount": ("转多少钱？", "How much?", "转多少钱？", "How much?"),
    "ask_amount_save": ("存多少钱？", "How much should I put aside?", "存多少？", "How much?"),
    "ask_amount_topup": (
        "充多少话费？（10 到 500 元的整数）",
        "How much credit? (whole yuan, 10 to 500)",
        "充多少钱？",
        "How much?",
    ),
    "ask_amount_fx": ("换多少？", "How much do you want to exchange?", "换多少？", "How much?"),
    "ask_biller": (
        "交哪一项费用？电费、水费、燃气费、话费、宽带、物业费还是暖气费？",
        "Which bill: electricity, water, gas, mobile, broadband, property or heating?",
        "交什么费？",
        "Which bill?",
    ),
    "ask_target_currency": (
        "换成哪种货币？",
        "Which currency do you want?",
        "换成什么钱？",
        "Into which currency?",
    ),
    "ask_currency": (
        "用哪种货币换？",
        "Which currency are you selling?",
        "用什么钱换？",
        "Selling which currency?",
    ),
    "ask_percent": (
        "每次工资存多少比例？比如 30%。",
        "What share of each salary? For example 30%.",
        "存工资的几成？",
        "What share?",
    ),
    "didnt_catch": ("没听清，", "Sorry, I didn't catch that. ", "没听清。", "Sorry. "),
    "no_such_payee": (
        "联系人里没有“{said}”。",
        "I can't find “{said}” in your contacts. ",
        "没有“{said}”这个人。",
        "No contact “{said}”. ",
    ),
    "choose_payee": (
        "“{said}”可能是几位联系人，请选一位：",
        "“{said}” could be several people. Which one?",
        "是哪一位？",
        "Which one?",
    ),
    "choose_bill": (
        "有几笔待缴账单，请选一笔：",
        "You have several outstanding bills. Which one?",
        "交哪一笔？",
        "Which bill?",
    ),
    "choose_again": (
        "请从下面选一个，或说“取消”。",
        "Please pick one below, or say cancel.",
        "请选一个。",
        "Pick one.",
    ),
    "confirm_transfer": (
        "请确认：向{payee}转账 {amount}，手续费 {fee}，{when}到账。说“确认”执行，说“取消”放弃。",
        "Please confirm: send {amount} to {payee}, fee {fee}, arriving {when}. "
        "Say yes to go ahead or cancel to stop.",
        "给{payee}转 {amount}。手续费 {fee}。{when}到账。对吗？",
        "Send {amount} to {payee}. Fee {fee}. {when}. Right?",
    ),
    "confirm_schedule": (
        "请确认：{repeat}向{payee}转账 {amount}，"
        "手续费 {fee}，第一次在{when}。说“确认”执行，说“取消”放弃。",
        "Please confirm: send {amount} to {payee} {repeat}, fee {fee}, first on {when}. "
        "Say yes to go ahead or cancel to stop.",
        "{repeat}给{payee}转 {amount}。手续费 {fee}。从{when}开始。对吗？",
        "Send {amount} to {payee} {repeat}. Fee {fee}. From {when}. Right?",
    ),
    "confirm_bill": (
        "请确认：缴纳{biller}（户号 {account}，{period}账单）{bill_amount}，滞纳金 {late_fee}，"
        "手续费 {fee}，共 {amount}，{when}支付。说“确认”执行，说“取消”放弃。",
        "Please confirm: pay the {biller} bill (account {account}, {period}) of {bill_amount}, "
        "late fee {late_fee}, fee {fee}, total {amount}, {when}. "
        "Say yes to go ahead or cancel to stop.",
        "交{biller} {amount}。手续费 {fee}。今天付。对吗？",
        "Pay {biller} {amount}. Fee {fee}. Today. Right?",
    ),
    "confirm_topup": (
        "请确认：给手机 {phone} 充值话费 {amount}，"
        "手续费 {fee}，{when}支付。说“确认”执行，说“取消”放弃。",
        "Please confirm: top up mobile {phone} with {amount}, fee {fee}, {when}. "
        "Say yes to go ahead or cancel to stop.",
        "给 {phone} 充话费 {amount}。手续费 {fee}。对吗？",
        "Top up {phone} with {amount}. Fee {fee}. Right?",
    ),
    "confirm_savings": (
        "请确认：从钱包转 {amount} 到储蓄账户{goal}，"
        "手续费 {fee}，{when}。说“确认”执行，说“取消”放弃。",
        "Please confirm: move {amount} from your wallet to savings{goal}, fee {fee}, "
        "{when}. Say yes to go ahead or cancel to stop.",
        "存 {amount} 到储蓄。手续费 {fee}。对吗？",
        "Save {amount}. Fee {fee}. Right?",
    ),
    "confirm_fx": (
        "请确认：用 {sell} 换 {buy}，汇率 {rate}（已含点差，手续费 {fee}），"
        "{when}完成，报价有效至 {expires}。"
        "说“确认”执行，说“取消”放弃。",
        "Please confirm: exchange {sell} for {buy} at {rate} (spread included, fee {fee}), "
        "{when}; the quote holds until {expires}. Say yes to go ahead or cancel to stop.",
        "用 {sell} 换 {buy}。手续费 {fee}。对吗？",
        "Exchange {sell} for {buy}. Fee {fee}. Right?",
    ),
    "confirm_salary_split": (
        "请确认：以后每次工资到账，自动把 {percent} 转入储蓄账户，"
        "手续费 {fee}，从{when}起生效。"
        "说“确认”执行，说“取消”放弃。",
        "Please confirm: from {when}, move {percent} of every salary to savings, "
        "fee {fee}. Say yes to go ahead or cancel to stop.",
        "每次工资存 {percent}。不收费。对吗？",
        "Save {percent} of each salary. No fee. Right?",
    ),
    "what_to_change": (
        "哪里不对？请直接说要改的内容，比如“是八百”，或说“取消”。",
        "What should I change? Say it, for example “800”, or say cancel.",
        "改哪里？",
        "What should change?",
    ),
    "switched": (
        "好的，刚才的操作已取消，没有动钱。",
        "OK, I dropped the earlier request; no money moved. ",
        "刚才的取消了。",
        "Dropped the earlier one. ",
    ),
    "changed": ("好的，已修改。", "OK, changed. ", "改好了。", "Changed. "),
    "done_transfer": (
        "已向{payee}转账 {amount}，对方已到账。",
        "Done: {payee} has received {amount}.",
        "转好了。{payee}收到 {amount}。",
        "Sent. {payee} got {amount}.",
    ),
    "done_schedule": (
        "已设置：{repeat}向{payee}转账 {amount}，下一次在 {next_run}。",
        "Set up: {amount} to {payee} {repeat}; next payment {next_run}.",
        "设好了。{repeat}给{payee}转 {amount}。",
        "Done. {amount} to {payee} {repeat}.",
    ),
    "done_bill": (
        "{biller}已缴清，共 {amount}。",
        "Paid: your {biller} bill, {amount}.",
        "{biller}交好了。{amount}。",
        "Paid. {biller} {amount}.",
    ),
    "done_topup": (
        "已给 {phone} 充值话费 {amount}。",
        "Done: {phone} topped up with {amount}.",
        "话费充好了。{amount}。",
        "Topped up. {amount}.",
    ),
    "done_savings": (
        "已存入储蓄账户 {amount}。",
        "Done: {amount} moved to your savings.",
        "存好了。{amount}。",
        "Saved. {amount}.",
    ),
    "done_fx": (
        "换汇完成：{sell} 换得 {buy}。",
        "Done: you exchanged {sell} for {buy}.",
        "换好了。得到 {buy}。",
        "Done. You got {buy}.",
    ),
    "done_salary_split": (
        "已设置：每次工资到账自动存 {percent} 到储蓄账户。",
        "Set up: {percent} of every salary will go to savings.",
        "设好了。每次工资存 {percent}。",
        "Done. {percent} of each salary saved.",
    ),
    "held_challenge": (
        "为了安全，这笔付款需要验证（{why}）。验证码已通过短信发到您的手机，请回复 6 位验证码；"
        "钱已冻结在您的钱包里，验证前不会转出。",
        "For your safety this payment needs a check ({why}). A code was sent to your phone by "
        "SMS: reply with the 6 digits. The money waits in your wallet until then.",
        "要验证。短信里有验证码，请告诉我。",
        "A code was sent by SMS. Tell me the code.",
    ),
    "held_review": (
        "这笔付款需要人工审核（{why}），钱已冻结在您的钱包里，审核通过才会转出，结果会通知您。",
        "This payment waits for a manual review ({why}); the money is held in your wallet "
        "and moves only if it is approved. You will be told.",
        "这笔要人工审核。钱还在您这里。",
        "This needs a review. Your money stays put.",
    ),
    "held_guardian": (
        "这笔转账需要您的家人确认（{why}），钱已冻结在您的钱包里，确认后才会转出。",
        "This payment waits for your guardian's approval ({why}); the money is held in your "
        "wallet until then.",
        "要等家人确认。钱还在您这里。",
        "Your guardian must approve. Your money stays put.",
    ),
    "ask_code": (
        "请回复短信里的 6 位验证码，或说“取消”。",
        "Please reply with the 6-digit code, or say cancel.",
        "请说验证码。",
        "Tell me the code.",
    ),
    "code_wrong": (
        "验证码不对：{detail}。请再试一次，或说“取消”。",
        "That code is not right: {detail}. Try again, or say cancel.",
        "验证码不对。再说一次。",
        "Wrong code. Try again.",
    ),
    "cancelled": (
        "好的，已取消，没有动您的钱。",
        "OK, cancelled. No money was moved.",
        "好，取消了。钱没动。",
        "Cancelled. No money moved.",
    ),
    "nothing_to_cancel": (
        "好的。现在没有进行中的操作。",
        "OK. There is nothing in progress.",
        "好的。",
        "OK.",
    ),
    "nothing_to_confirm": (
        "现在没有需要确认的操作。您想做什么？",
        "There is nothing to confirm. What would you like to do?",
        "没有要确认的。您要做什么？",
        "Nothing to confirm. What do you need?",
    ),
    "expired": (
        "上次的对话超过 30 分钟没有继续，已经作废，没有动您的钱。",
        "Our last conversation was idle for over 30 minutes, so I dropped it; no money was moved. ",
        "上次的没做完，已作废。",
        "The last one timed out. ",
    ),
    "empty": (
        "请说您要做什么，比如“给妈妈转五百”。",
        "Tell me what you need, e.g. “send 500 to mum”.",
        "您要做什么？",
        "What do you need?",
    ),
    "balance": (
        "您的余额：{lines}。",
        "Your balances: {lines}.",
        "余额：{lines}。",
        "Balance: {lines}.",
    ),
    "balance_none": (
        "您还没有钱包。",
        "You don't have a wallet yet.",
        "还没有钱包。",
        "No wallet yet.",
    ),
    "transactions": (
        "最近的交易：{lines}。",
        "Recent transactions: {lines}.",
        "最近：{lines}。",
        "Recent: {lines}.",
    ),
    "transactions_none": (
        "还没有交易记录。",
        "No transactions yet.",
        "没有记录。",
        "No transactions.",
    ),
    "not_available": (
        "{what}在安心还没有上线，我不能替您办理，也没有进行任何操作。",
        "{what} is not available in Anxin yet, so I can't do it for you; nothing was done.",
        "{what}还不能办。什么都没做。",
        "{what}: not available yet. Nothing was done.",
    ),
    "reminder_unavailable": (
        "安心还不能设置单纯的提醒。如果要定期转账，可以说“每月1号给妈妈转2000”。",
        "Anxin can't set plain reminders yet. For a recurring payment, say “send 2000 to mum "
        "on the 1st of every month”.",
        "还不能设提醒。",
        "Plain reminders are not available yet.",
    ),
    "confirm_freeze": (
        "请确认：冻结{what}。冻结后{effect}，解冻需要在安全中心验证密码。说“确认”执行，说“取消”放弃。",
        "Please confirm: freeze {what}. While frozen, {effect}; unfreezing asks for your "
        "password in the security centre. Say yes to go ahead or cancel to stop.",
        "冻结{what}。对吗？",
        "Freeze {what}. Right?",
    ),
    "done_freeze": (
        "已冻结{what}。如果卡或手机丢了，请同时拨打发卡银行的挂失电话。",
        "Done: {what} is frozen. If a card or phone was lost, also call your bank's "
        "lost-card line.",
        "冻结好了。",
        "Frozen.",
    ),
    "choose_card": ("冻结哪张卡？", "Which card should I freeze?", "冻结哪张卡？", "Which card?"),
    "refused_already_frozen": (
        "已经是冻结状态，不需要再冻结：{detail}。",
        "It is already frozen ({detail}); nothing changed.",
        "已经冻结了。",
        "Already frozen.",
    ),
    "handover": (
        "正在为您转人工客服…",
        "Connecting you to a human agent…",
        "正在转人工客服…",
        "Connecting you to a person…",
    ),
    "unknown_handover": (
        "抱歉，我没有理解。正在为您转人工客服…",
        "Sorry, I didn't understand that. Connecting you to a human agent…",
        "没听懂。正在转人工客服…",
        "Sorry. Connecting you to a person…",
    ),
    "refused_amount_changed": (
        "账单金额变了：现在应付 {now}（已过缴费期限，含滞纳金），没有扣款。"
        "如果要按新金额缴纳，请再说一次。",
        "The bill's amount has changed: it is now {now} (the due date has passed, so a late "
        "fee is included). Nothing was paid; ask again to pay the new amount.",
        "金额变了，现在是 {now}。没扣钱。",
        "The amount changed to {now}. Nothing paid.",
    ),
    "refused_insufficient_funds": (
        "没有成功：钱包余额不足（可用 {available}），没有扣款。",
        "That didn't go through: your wallet has only {available} available. Nothing was taken.",
        "余额不够。没扣钱。",
        "Not enough money. Nothing taken.",
    ),
    "refused_risk_block": (
        "这笔付款被安全检查拦下了，没有扣款。原因：{detail}。如有疑问请说“转人工”。",
        "The security check stopped this payment; nothing was taken. Why: {detail}. Say “agent” "
        "if you have questions.",
        "安全检查没通过。没扣钱。",
        "Stopped by the security check. Nothing taken.",
    ),
    "refused_risk_challenge": (
        "为了安全，这笔付款需要额外验证，暂时没有扣款。"
        "原因：{detail}。请在安心 App 里完成验证后再试。",
        "For your safety this payment needs an extra check, and nothing was taken yet. Why: "
        "{detail}. Please verify in the Anxin app and try again.",
        "这笔要先验证。还没扣钱。",
        "This needs a check first. Nothing taken yet.",
    ),
    "refused_risk_review": (
        "这笔付款需要人工审核，暂时没有扣款。原因：{detail}。审核结果会通知您。",
        "This payment needs a manual review; nothing has been taken. Why: {detail}. You will be "
        "told the outcome.",
        "这笔要人工审核。还没扣钱。",
        "This needs a review. Nothing taken yet.",
    ),
    "refused_no_bill": (
        "没有找到待缴的{biller}账单：{detail}。没有扣款。",
        "I found no outstanding {biller} bill: {detail}. Nothing was paid.",
        "没有要交的{biller}。",
        "No {biller} bill to pay.",
    ),
    "refused_no_phone": (
        "您的账户没有登记手机号，没法充话费。",
        "Your account has no phone number to top up.",
        "没有手机号。",
        "No phone number.",
    ),
    "requoted": (
        "刚才的报价已过期，没有换汇。",
        "That quote expired and nothing was exchanged. ",
        "报价过期了。",
        "The quote expired. ",
    ),
    "refused_code_failed": (
        "验证没有通过，这笔付款已取消，钱已退回您的钱包：{detail}。",
        "The check failed, so the payment was cancelled and the money is back in your "
        "wallet: {detail}.",
        "验证没通过。钱退回来了。",
        "Check failed. Your money is back.",
    ),
    "refused_failed": (
        "没有成功，没有扣款：{detail}。",
        "That didn't go through, and nothing was taken: {detail}.",
        "没成功。没扣钱。",
        "It didn't work. Nothing taken.",
    ),
    "when_today": ("今天（{date}）", "today ({date})", "今天", "Today"),
    "repeat_daily": ("每天", "every day", "每天", "every day"),
    "repeat_weekly": ("每周{weekday}", "every {weekday}", "每周{weekday}", "every {weekday}"),
    "repeat_monthly": (
        "每月{day}号",
        "on day {day} of every month",
        "每月{day}号",
        "monthly on day {day}",
    ),
    "repeat_once": ("在{date}", "once, on {date}", "在{date}", "on {date}"),
    "goal": ("（用于{goal}）", " for {goal}", "", ""),
}

_WEEKDAYS = {
    "zh": ("一", "二", "三", "四", "五", "六", "日"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

_WHAT = {
    "card_repay": ("信用卡还款", "Credit card repayment"),
    "invest": ("理财和基金购买", "Investing"),
    "loan_apply": ("借款", "Borrowing"),
    "credit_query": ("信用评估", "Credit scores"),
    "health_check": ("财务健康检查", "The financial health check"),
    "insurance_claim": ("保险理赔", "Insurance claims"),
    "life_service": ("生活服务（订票、挂号等）", "Life services (tickets, appointments)"),
    "risk_assessment": ("风险测评", "The risk questionnaire"),
}


def say(key: str, lang: Lang, elder: bool = False, **params: Any) -> str:
    """The sentence `key` in `lang`, filled with `params`."""
    zh, en, zh_elder, en_elder = _TEXTS[key]
    if lang == "en":
        text = en_elder if elder and en_elder else en
    else:
        text = zh_elder if elder and zh_elder else zh
    return text.format(**params)


def money_text(amount: str, currency: str) -> str:
    """An amount from a dialogue's slots as people read it (`Money.shown`): "¥1,500.00"."""
    return Money.parse(amount, currency).shown()


def weekday_name(index: int, lang: Lang) -> str:
    return _WEEKDAYS["en" if lang == "en" else "zh"][index]


def service_name(intent: str, lang: Lang) -> str:
    zh, en = _WHAT[intent]
    return en if lang == "en" else zh


UNAVAILABLE_INTENTS = frozenset(_WHAT)
