"""Invariants the database keeps even when code forgets."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AssistanceConsent, CommunityMembership, User


def _refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_usernames_are_unique_whatever_the_case(charlie):
    _refused(lambda: User.objects.create_user(username="CHARLIE", password="x-long-pass-9"))
    assert User.objects.filter(username__iexact="charlie").count() == 1


def test_a_membership_has_a_known_role_and_status(charlie, world):
    _refused(lambda: CommunityMembership.objects.create(user=charlie, community=world.a, role="mayor"))
    _refused(lambda: CommunityMembership.objects.create(user=charlie, community=world.a, status="maybe"))
    assert not CommunityMembership.objects.filter(user=charlie).exists()


def test_a_pending_request_carries_no_decision(charlie, olivia, world):
    _refused(
        lambda: CommunityMembership.objects.create(
            user=charlie, community=world.a, status="pending", decided_by=olivia, decided_at=timezone.now()
        )
    )


def test_a_consent_names_a_known_method_and_a_scope(alice, olivia, world):
    base = {"resident": alice, "organiser": olivia, "community": world.a, "given_at": timezone.now()}
    _refused(lambda: AssistanceConsent.objects.create(**base, method="telepathy", scope="代为投票"))
    _refused(lambda: AssistanceConsent.objects.create(**base, method="signed", scope=""))
    assert not AssistanceConsent.objects.exists()
