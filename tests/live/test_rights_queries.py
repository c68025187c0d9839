"""A rights check of an open socket reads the person once from the session and their roles once,
whatever the number of topics it holds; the answer follows the roles as they are now."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from accounts.models import CommunityMembership
from live import selectors

pytestmark = [pytest.mark.django_db]


def session_key(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


def check(key, topics):
    with CaptureQueriesContext(connection) as queries:
        user, refused = selectors.subscription_rights(session_key=key, topics=topics)
    return user, refused, len(queries)


def test_one_check_costs_the_same_for_one_topic_or_many(olivia, world):
    key = session_key(olivia)
    a, b = world.a.pk, world.b.pk
    many = [
        f"organiser.{a}",
        f"organiser.{b}",
        f"user.{olivia.pk}",
        f"user.{olivia.pk + 1}",
        f"reviewer.{world.fund_x.pk}",
        f"reviewer.{world.fund_y.pk}",
        f"community.{a}",
        f"community.{b}",
        "problem.1",
        "nothing.1",
    ]
    user, refused, few_queries = check(key, [f"organiser.{a}"])
    assert (user.pk, refused) == (olivia.pk, [])
    user, refused, many_queries = check(key, many)
    assert user.pk == olivia.pk
    assert refused == [
        f"organiser.{b}",
        f"user.{olivia.pk + 1}",
        f"reviewer.{world.fund_x.pk}",
        f"reviewer.{world.fund_y.pk}",
        "nothing.1",
    ]
    # The session, the person, and the four role tables: once each, shared by every topic.
    assert many_queries == few_queries <= 6


def test_an_anonymous_socket_checks_without_a_query(world):
    topics = [f"community.{world.a.pk}", f"organiser.{world.a.pk}", "user.1", "problem.3"]
    user, refused, queries = check(None, topics)
    assert not user.is_authenticated
    assert refused == [f"organiser.{world.a.pk}", "user.1"]
    assert queries == 0


def test_each_check_sees_the_roles_as_they_are_now(olivia, world):
    key, topic = session_key(olivia), f"organiser.{world.a.pk}"
    assert check(key, [topic])[1] == []
    CommunityMembership.objects.filter(user=olivia, community=world.a).update(role=CommunityMembership.Role.RESIDENT)
    assert check(key, [topic])[1] == [topic]


def test_a_session_that_no_longer_holds_is_anonymous(alice, olivia, world):
    signed_out, password_changed, deactivated = session_key(alice), session_key(alice), session_key(olivia)
    browser = Client()
    browser.cookies["sessionid"] = signed_out
    assert browser.post("/logout/").status_code == 302  # a real sign-out of that session
    assert not selectors.socket_user(session_key=signed_out).is_authenticated
    assert not selectors.socket_user(session_key="no-such-session-key").is_authenticated

    alice.set_password("another-horse-7")
    alice.save()
    assert not selectors.socket_user(session_key=password_changed).is_authenticated

    assert selectors.socket_user(session_key=deactivated).pk == olivia.pk
    olivia.is_active = False
    olivia.save()
    assert not selectors.socket_user(session_key=deactivated).is_authenticated


def test_a_sign_out_names_only_the_ended_session(olivia, alice, world, django_capture_on_commit_callbacks, monkeypatch):
    from live import services

    sent = []
    monkeypatch.setattr(services, "_send_recheck", sent.extend)
    client = Client()
    client.force_login(alice)
    key = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/logout/")
    assert sent == [
        (services.rights_group(alice.pk), {"type": "live.recheck", "ended_session": services.session_digest(key)})
    ]
    assert key not in str(sent)  # the session key itself never travels


def test_a_membership_decision_asks_for_a_recheck_of_that_person(
    olivia, world, django_capture_on_commit_callbacks, monkeypatch
):
    from live import services
    from tests.conftest import make_member, make_user

    sent = []
    monkeypatch.setattr(services, "_send_recheck", sent.extend)
    bob = make_user("bob")
    membership = make_member(bob, world.a, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        account_services.membership_verify(actor=olivia, membership_id=membership.pk)
    assert (services.rights_group(bob.pk), {"type": "live.recheck"}) in sent
    assert not any(group == services.rights_group(olivia.pk) for group, _message in sent)


def test_a_recheck_refuses_a_malformed_topic():
    from live import services

    with pytest.raises(ValueError, match="not a live topic"):
        services.recheck(topic="campaign 12")
