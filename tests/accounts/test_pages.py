"""The accounts pages: register, sign in/out, 我的, 入会审核, 代为参与登记, language."""

import pytest
from django.test import Client

from accounts.models import AssistanceConsent, CommunityMembership, Notification, User

PASSWORD = "correct-horse-9"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_membership_flow_through_the_pages(world, olivia):
    resident = Client()
    page = resident.post(
        "/register/",
        {
            "username": "xiaoyang",
            "display_name": "小杨",
            "password": "a-long-passphrase-7",
            "password2": "a-long-passphrase-7",
            "preferred_language": "zh-hans",
            "community": world.a.pk,
        },
        follow=True,
    )
    assert page.status_code == 200
    assert "加入幸福社区的申请已提交" in page.content.decode()
    assert "您的加入申请正在审核中" in page.content.decode()
    request = CommunityMembership.objects.get(user__username="xiaoyang")
    assert request.status == "pending"

    organiser = signed_in(olivia)
    queue = organiser.get("/organiser/join-requests/").content.decode()
    assert "小杨" in queue
    decided = organiser.post(f"/organiser/join-requests/{request.pk}/decide/", {"decision": "verify"}, follow=True)
    assert "已认证 小杨。" in decided.content.decode()

    me = resident.get("/me/").content.decode()
    assert "已认证" in me
    assert "您已成为幸福社区的认证居民" in me
    community = resident.get(f"/communities/{world.a.pk}/").content.decode()
    assert "您是本社区的认证成员" in community


def test_joining_from_the_community_page(world, charlie):
    client = signed_in(charlie)
    page = client.post(f"/communities/{world.a.pk}/join/", {"message": "住 2 幢"}, follow=True)
    assert "申请已提交" in page.content.decode()
    assert CommunityMembership.objects.get(user=charlie).message == "住 2 幢"
    again = client.post(f"/communities/{world.a.pk}/join/", {}, follow=True)
    assert "您的加入申请已提交，正在等待社区审核。" in again.content.decode()
    assert CommunityMembership.objects.filter(user=charlie).count() == 1


def test_joining_an_unknown_community_page_is_404(charlie):
    assert signed_in(charlie).post("/communities/999999/join/").status_code == 404


def test_joining_needs_sign_in(world):
    response = Client().post(f"/communities/{world.a.pk}/join/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not CommunityMembership.objects.exists()


def test_register_shows_errors_next_to_the_fields(db, charlie):
    response = Client().post(
        "/register/",
        {
            "username": "charlie",
            "password": "a-long-passphrase-7",
            "password2": "different-9",
            "preferred_language": "zh-hans",
        },
    )
    assert response.status_code == 400
    assert "两次输入的密码不一致。" in response.content.decode()
    weak = Client().post(
        "/register/",
        {"username": "newbie", "password": "12345678", "password2": "12345678", "preferred_language": "zh-hans"},
    )
    assert weak.status_code == 400
    assert 'class="field-error"' in weak.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_register_page_has_a_label_for_every_input(db):
    html = Client().get("/register/").content.decode()
    for field in ["username", "display_name", "phone", "password", "password2", "preferred_language", "community"]:
        assert f'<label for="id_{field}">' in html


def test_sign_in_and_out(alice):
    client = Client()
    wrong = client.post("/login/", {"username": "alice", "password": "nope"})
    assert "用户名或密码不正确" in wrong.content.decode()
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert "王阿姨" in client.get("/").content.decode()
    client.post("/logout/")
    assert client.get("/me/").status_code == 302


def test_the_me_page_changes_the_profile(alice):
    client = signed_in(alice)
    response = client.post(
        "/me/", {"display_name": "王大妈", "phone": "", "email": "", "preferred_language": "zh-hans"}, follow=True
    )
    assert "资料已保存。" in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "王大妈"
    bad = client.post("/me/", {"display_name": "x", "email": "bad", "preferred_language": "zh-hans"})
    assert bad.status_code == 400
    alice.refresh_from_db()
    assert alice.display_name == "王大妈"


def test_marking_notifications_read_from_the_page(alice, charlie):
    from accounts.services import notification_send

    notification_send(user=alice, kind="t", title="你好")
    notification_send(user=charlie, kind="t", title="别人的")
    client = signed_in(alice)
    assert "1 条未读" in client.get("/me/").content.decode()
    client.post("/me/notifications/read/")
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=charlie, read_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [("alice", 403), ("rita", 403), ("charlie", 403), ("olivia", 200), ("oscar", 200), ("admin", 200)],
)
def test_who_may_open_the_join_queue_page(everyone, role, expected):
    assert signed_in(everyone[role]).get("/organiser/join-requests/").status_code == expected


def test_the_join_queue_page_needs_sign_in(db):
    assert Client().get("/organiser/join-requests/").status_code == 302


def test_the_queue_page_shows_only_the_organisers_requests(olivia, oscar, pat_request, bob):
    mine = signed_in(olivia).get("/organiser/join-requests/").content.decode()
    assert "新居民小杨" in mine
    assert "老丁" not in mine
    theirs = signed_in(oscar).get("/organiser/join-requests/").content.decode()
    assert "老丁" in theirs
    assert "新居民小杨" not in theirs


def test_rejecting_without_a_reason_shows_the_error_on_that_row(olivia, pat_request):
    response = signed_in(olivia).post(f"/organiser/join-requests/{pat_request.pk}/decide/", {"decision": "reject"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="reason-{pat_request.pk}-error"' in html
    assert "拒绝时请写明原因，方便居民了解。" in html
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"


def test_rejecting_with_a_reason(olivia, pat_request):
    signed_in(olivia).post(
        f"/organiser/join-requests/{pat_request.pk}/decide/", {"decision": "reject", "reason": "不是本小区住户"}
    )
    pat_request.refresh_from_db()
    assert (pat_request.status, pat_request.reason) == ("rejected", "不是本小区住户")


def test_the_reason_reads_as_one_english_phrase(olivia, pat_request):
    client = signed_in(olivia)
    client.post(
        f"/organiser/join-requests/{pat_request.pk}/decide/", {"decision": "reject", "reason": "不是本小区住户"}
    )
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get("/organiser/join-requests/?status=rejected", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Organiser&#x27;s note: 不是本小区住户" in html or "Organiser's note: 不是本小区住户" in html


def test_an_organiser_of_b_cannot_decide_from_the_page(oscar, pat_request):
    response = signed_in(oscar).post(
        f"/organiser/join-requests/{pat_request.pk}/decide/", {"decision": "verify"}, follow=True
    )
    assert "只有该社区的社区工作者可以审核加入申请。" in response.content.decode()
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"


def test_the_queue_page_costs_a_fixed_number_of_queries(olivia, world, django_assert_max_num_queries):
    from tests.conftest import make_member, make_user

    for i in range(25):
        make_member(make_user(f"p{i}"), world.a, status="pending")
    client = signed_in(olivia)
    with django_assert_max_num_queries(12):
        html = client.get("/organiser/join-requests/").content.decode()
    assert html.count('name="decision" value="verify"') == 25


def test_the_consent_page_records_a_consent(olivia, alice, world):
    client = signed_in(olivia)
    page = client.get("/organiser/consents/").content.decode()
    assert "王阿姨（alice）" in page
    response = client.post(
        "/organiser/consents/",
        {
            "community": world.a.pk,
            "resident": alice.pk,
            "method": "phone",
            "scope": "为小区改造投票代为投票",
            "given_at": "2026-01-05T09:30",
            "note": "",
        },
        follow=True,
    )
    assert "已登记 王阿姨 的代为参与同意。" in response.content.decode()
    assert AssistanceConsent.objects.get().method == "phone"


def test_the_consent_page_refuses_a_future_time_inline(olivia, alice, world):
    response = signed_in(olivia).post(
        "/organiser/consents/",
        {
            "community": world.a.pk,
            "resident": alice.pk,
            "method": "phone",
            "scope": "x",
            "given_at": "2099-01-01T09:00",
        },
    )
    assert response.status_code == 400
    assert "同意时间不能晚于现在。" in response.content.decode()
    assert not AssistanceConsent.objects.exists()


@pytest.mark.parametrize("role", ["alice", "charlie", "rita"])
def test_non_organisers_cannot_open_the_consent_page(everyone, role):
    assert signed_in(everyone[role]).get("/organiser/consents/").status_code == 403


def test_the_queue_page_is_paginated_and_subscribes_to_live_counts(olivia, world):
    from tests.conftest import make_member, make_user

    for i in range(55):
        make_member(make_user(f"q{i}"), world.a, status="pending")
    client = signed_in(olivia)
    first = client.get("/organiser/join-requests/").content.decode()
    assert first.count('name="decision" value="verify"') == 50
    assert 'data-shown="55"' in first
    assert f'data-communities="{world.a.pk} "' in first
    assert "accounts/join_queue.js" in first
    second = client.get("/organiser/join-requests/?page=2").content.decode()
    assert second.count('name="decision" value="verify"') == 5
    assert "第 2 页，共 2 页" in second


def test_changing_the_password(alice):
    client = Client()
    client.login(username="alice", password=PASSWORD)
    wrong = client.post(
        "/me/password/",
        {"old_password": "nope", "new_password1": "a-new-passphrase-8", "new_password2": "a-new-passphrase-8"},
    )
    assert wrong.status_code == 200
    assert 'class="field-error"' in wrong.content.decode()
    done = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password1": "a-new-passphrase-8", "new_password2": "a-new-passphrase-8"},
        follow=True,
    )
    assert "密码已修改。" in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("a-new-passphrase-8")
    assert client.get("/me/").status_code == 200, "still signed in on this device"
