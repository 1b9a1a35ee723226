"""Family co-management pages: invite, accept, a held transfer approved on the ward page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import hidden_fields, only_freezes, transfer_by_page, well_formed
from webkit import browser, csrf_of, fund, post_form, sign_up, text_of, wallet


def _guarded(client: TestClient, limit: str = "500") -> TestClient:
    """`client` is 妈妈 (mama) with 小明 (xiaoming, the returned browser) as her accepted
    guardian at `limit`, and 老王 (laowang) to pay; risk checks let payments through."""
    son = browser(client)
    sign_up(son, "xiaoming", "小明")
    sign_up(browser(client), "laowang", "老王")
    sign_up(client, "mama", "妈妈")
    only_freezes(client)
    invited = post_form(client, "/family", "/family/guardians",
                        {"guardian": "xiaoming", "approval_limit": limit})  # fmt: skip
    assert invited.status_code == 303
    assert "等待对方接受" in text_of(client.get("/family").text)
    page = son.get("/family").text
    assert "妈妈 邀请您做监护人" in text_of(page)
    accept = re.search(r'action="(/family/invitations/[^"]+/accept)"', page)
    assert accept is not None
    assert son.post(accept.group(1), data={"csrf": csrf_of(page)}).status_code == 200
    return son


def test_a_transfer_above_the_limit_waits_for_the_guardian_who_approves_it(
    client: TestClient,
) -> None:
    son = _guarded(client)
    fund(client, "mama", "2000.00")
    post_form(client, "/", "/settings/elder", {"elder": "1", "next": "/"})
    held = transfer_by_page(client, "laowang", "800")
    done = text_of(client.get(held.headers["location"]).text)
    assert "钱还没有转出去。这笔 ¥800.00 超过了您设定的额度，要等您的监护人（家人）同意以后" in done
    assert wallet(client, "laowang")["balance"] == "0.00"

    family = son.get("/family").text
    assert "1 笔转账等您同意" in text_of(family)
    ward_link = re.search(r'href="(/family/wards/[^"]+)"', family)
    assert ward_link is not None
    ward = son.get(ward_link.group(1)).text
    shown = text_of(ward)
    assert "妈妈的账户" in shown and "¥1,200.00" in shown, "the balance, with ¥800 reserved"
    assert "妈妈想给 老王 转 ¥800.00" in shown and "超过监护人审批额度 ¥500.00" in shown
    approve = re.search(r'action="(/family/approvals/[^"]+/approve)"', ward)
    assert approve is not None
    fields = hidden_fields(ward[ward.index(approve.group(1)) :])
    assert fields["idempotency_key"]
    first = son.post(approve.group(1), data=fields, follow_redirects=False)
    second = son.post(approve.group(1), data=fields, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert wallet(client, "laowang")["balance"] == "800.00", "approved once, paid once"
    assert wallet(client, "mama")["balance"] == "1200.00"
    assert "已同意，钱已经转出" in text_of(son.get(first.headers["location"]).text)

    post_form(client, "/", "/settings/elder", {"elder": "0", "next": "/"})
    audit = text_of(client.get("/family").text.split('id="audit"')[1])
    for action in ("发出邀请", "接受邀请", "查看了余额和提醒", "同意了一笔转账"):
        assert action in audit
    assert "小明" in audit


def test_a_rejected_transfer_returns_the_money(client: TestClient) -> None:
    son = _guarded(client)
    fund(client, "mama", "1000.00")
    transfer_by_page(client, "laowang", "600")
    ward_at = re.search(r'href="(/family/wards/[^"]+)"', son.get("/family").text)
    assert ward_at is not None
    ward = son.get(ward_at.group(1)).text
    reject = re.search(r'action="(/family/approvals/[^"]+/reject)"', ward)
    assert reject is not None
    rejected = son.post(reject.group(1), data=hidden_fields(ward[ward.index(reject.group(1)) :]))
    assert "已拒绝，钱已退回" in text_of(rejected.text)
    assert wallet(client, "mama")["available_balance"] == "1000.00"
    assert wallet(client, "laowang")["balance"] == "0.00"
    approve = reject.group(1).replace("/reject", "/approve")
    late = son.post(approve, data=hidden_fields(ward[ward.index(approve) :]))
    assert late.status_code == 409 and "这笔付款已经处理过了" in text_of(late.text)


def test_below_the_limit_pays_at_once_and_the_parent_can_change_the_limit_and_revoke(
    client: TestClient,
) -> None:
    son = _guarded(client)
    fund(client, "mama", "1000.00")
    assert transfer_by_page(client, "laowang", "100").status_code == 303
    assert wallet(client, "laowang")["balance"] == "100.00"
    page = client.get("/family").text
    limit = re.search(r'action="(/family/guardians/[^"]+/limit)"', page)
    assert limit is not None
    bad = client.post(limit.group(1), data={"csrf": csrf_of(page), "approval_limit": "lots"})
    assert bad.status_code == 422 and 'aria-describedby="f-approval_limit-error' in bad.text
    assert 'value="lots"' in bad.text and "额度不正确" in text_of(bad.text)
    client.post(limit.group(1), data={"csrf": csrf_of(page), "approval_limit": "50"})
    changed = text_of(client.get("/family").text)
    assert "超过 ¥50.00 的转账要等监护人同意" in changed
    assert "修改额度 ¥500.00 → ¥50.00" in changed, "the audit, in the reader's words"
    transfer_by_page(client, "laowang", "80")
    assert wallet(client, "laowang")["balance"] == "100.00", "now held"
    revoke = limit.group(1).replace("/limit", "/revoke")
    client.post(revoke, data={"csrf": csrf_of(page)})
    assert wallet(client, "mama")["available_balance"] == "900.00", "the waiting one came back"
    after = text_of(client.get("/family").text)
    assert "您还没有监护人" in after and "结束监护" in after
    assert "我照看的家人" not in text_of(son.get("/family").text)


def test_invite_errors_are_readable_and_keep_what_was_typed(client: TestClient) -> None:
    sign_up(client, "mama", "妈妈")
    nobody = post_form(client, "/family", "/family/guardians",
                       {"guardian": "nobody-here", "approval_limit": "500"})  # fmt: skip
    assert nobody.status_code == 404
    assert 'aria-describedby="f-guardian-error' in nobody.text
    assert "没有找到这个用户名或手机号" in text_of(nobody.text)
    assert 'value="nobody-here"' in nobody.text and 'value="500"' in nobody.text
    myself = post_form(client, "/family", "/family/guardians",
                       {"guardian": "@mama", "approval_limit": "500"})  # fmt: skip
    assert myself.status_code == 422 and "不能是您自己" in text_of(myself.text)


def test_only_the_guardian_sees_a_ward(client: TestClient) -> None:
    son = _guarded(client)
    ward_at = re.search(r'href="(/family/wards/[^"]+)"', son.get("/family").text)
    assert ward_at is not None
    stranger = browser(client)
    sign_up(stranger, "pianzi")
    refused = stranger.get(ward_at.group(1))
    assert refused.status_code == 403 and "没有权限" in text_of(refused.text)


@pytest.mark.parametrize(("lang", "elder"), [("zh", "0"), ("en", "0"), ("zh", "1"), ("en", "1")])
def test_the_family_pages_in_each_language_and_mode(
    client: TestClient, lang: str, elder: str
) -> None:
    son = _guarded(client)
    fund(client, "mama", "1000.00")
    transfer_by_page(client, "laowang", "600")
    for browser_ in (client, son):
        post_form(browser_, "/", "/settings/language", {"lang": lang, "next": "/"})
        post_form(browser_, "/", "/settings/elder", {"elder": elder, "next": "/"})
    mine = client.get("/family")
    theirs = son.get("/family")
    ward_at = re.search(r'href="(/family/wards/[^"]+)"', theirs.text)
    assert ward_at is not None
    ward = son.get(ward_at.group(1))
    for page in (mine, theirs, ward):
        assert page.status_code == 200
        well_formed(page.text)
    if lang == "en":
        assert "My guardian" in mine.text and "Guardian record" in mine.text
        assert "People I look after" in theirs.text
        assert "wants to send ¥600.00 to" in text_of(ward.text)
    else:
        assert "我的监护人" in mine.text and "我照看的家人" in theirs.text
        assert "想给 老王 转 ¥600.00" in text_of(ward.text)


def test_an_invitation_answered_twice_says_so(client: TestClient) -> None:
    son = browser(client)
    sign_up(son, "xiaoming", "小明")
    sign_up(client, "mama", "妈妈")
    post_form(client, "/family", "/family/guardians",
              {"guardian": "xiaoming", "approval_limit": "500"})  # fmt: skip
    page = son.get("/family").text
    decline = re.search(r'action="(/family/invitations/[^"]+/decline)"', page)
    assert decline is not None
    son.post(decline.group(1), data={"csrf": csrf_of(page)})
    assert "对方已拒绝" in text_of(client.get("/family").text)
    again = son.post(decline.group(1).replace("decline", "accept"), data={"csrf": csrf_of(page)})
    assert again.status_code == 409 and 'role="alert"' in again.text
