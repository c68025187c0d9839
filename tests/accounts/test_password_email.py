"""忘记密码 by e-mail: Django's reset views, mail through the project's Celery task, no account
enumeration, and a limit per address and per client."""

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import User

PASSWORD = "correct-horse-9"
NEW_PASSWORD = "a-new-passphrase-7"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def alice_with_email(alice):
    alice.email = "wang@example.com"
    alice.save()
    return alice


def ask_for_reset(client, email, capture, **extra):
    with capture(execute=True):
        return client.post("/password-reset/", {"email": email}, **extra)


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_resident_resets_their_password_by_email(alice_with_email, django_capture_on_commit_callbacks):
    elsewhere = Client()
    assert elsewhere.login(username="alice", password=PASSWORD)
    token = Token.objects.create(user=alice_with_email)

    page = Client().get("/password-reset/")
    assert page.status_code == 200
    assert '<label for="id_email">' in page.content.decode()

    client = Client()
    response = ask_for_reset(client, "WANG@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.com"]
    assert "重设密码" in message.subject
    assert "alice" in message.body

    link = link_in(message)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert form.context["validlink"]
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/done/"

    alice_with_email.refresh_from_db()
    assert alice_with_email.check_password(NEW_PASSWORD)
    assert not alice_with_email.check_password(PASSWORD)
    # The session on the other device and the API token end with the old password.
    assert elsewhere.get("/me/").status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    assert Client().login(username="alice", password=NEW_PASSWORD)

    # The link works once.
    again = Client().get(link, follow=True)
    assert not again.context["validlink"]
    assert "这个链接已经失效" in again.content.decode()


def test_the_email_is_in_the_residents_language(alice_with_email, django_capture_on_commit_callbacks):
    alice_with_email.preferred_language = "en"
    alice_with_email.save()
    ask_for_reset(Client(), "wang@example.com", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    # The site name is rendered in English, so the whole message is built in her language.
    assert "众筹微治" not in mail.outbox[0].subject
    assert "众筹微治" not in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(alice_with_email, django_capture_on_commit_callbacks):
    known = ask_for_reset(Client(), "wang@example.com", django_capture_on_commit_callbacks)
    unknown = ask_for_reset(Client(), "nobody@example.com", django_capture_on_commit_callbacks)
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]

    page = Client().get("/password-reset/sent/").content.decode()
    assert "如果这个邮箱属于一个账号" in page


def test_an_inactive_account_gets_no_mail(alice_with_email, django_capture_on_commit_callbacks):
    User.objects.filter(pk=alice_with_email.pk).update(is_active=False)
    response = ask_for_reset(Client(), "wang@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not-an-address", "x" * 250 + "@example.com"])
def test_a_bad_address_is_refused_with_a_message(alice_with_email, email, django_capture_on_commit_callbacks):
    response = ask_for_reset(Client(), email, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert mail.outbox == []


def test_requests_for_one_address_are_limited(alice_with_email, django_capture_on_commit_callbacks):
    for n in range(3):
        response = ask_for_reset(
            Client(REMOTE_ADDR=f"10.0.0.{n}"), "wang@example.com", django_capture_on_commit_callbacks
        )
        assert response.status_code == 302
    refused = ask_for_reset(Client(REMOTE_ADDR="10.0.0.9"), "Wang@Example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert "请求太频繁" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_an_unknown_address_is_limited_the_same_way(db, django_capture_on_commit_callbacks):
    for _n in range(3):
        assert ask_for_reset(Client(), "nobody@example.com", django_capture_on_commit_callbacks).status_code == 302
    assert ask_for_reset(Client(), "nobody@example.com", django_capture_on_commit_callbacks).status_code == 429


def test_requests_from_one_client_are_limited(alice_with_email, django_capture_on_commit_callbacks):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(10):
        assert ask_for_reset(client, f"person{n}@example.com", django_capture_on_commit_callbacks).status_code == 302
    refused = ask_for_reset(client, "wang@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 429
    assert mail.outbox == []
    # Another client is not held back.
    assert (
        ask_for_reset(
            Client(REMOTE_ADDR="10.0.0.2"), "wang@example.com", django_capture_on_commit_callbacks
        ).status_code
        == 302
    )
    assert len(mail.outbox) == 1


def test_a_weak_new_password_is_refused(alice_with_email, django_capture_on_commit_callbacks):
    client = Client()
    ask_for_reset(client, "wang@example.com", django_capture_on_commit_callbacks)
    form = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors
    alice_with_email.refresh_from_db()
    assert alice_with_email.check_password(PASSWORD)


def test_the_sign_in_page_points_to_both_ways(db):
    page = Client().get("/login/").content.decode()
    assert 'href="/password-reset/"' in page
    assert "忘记密码？" in page
    assert "没有邮箱的居民" in page
