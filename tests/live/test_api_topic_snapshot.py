"""GET /api/live/topics/<topic>/: the snapshot a subscriber would get, under the same rules."""

import pytest

from accounts import services as account_services
from live import store

pytestmark = pytest.mark.django_db


def test_it_returns_a_persons_own_state_with_its_position(api_as, alice):
    account_services.notification_send(user=alice, kind="test", title="您好")
    response = api_as(alice).get(f"/api/live/topics/user.{alice.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "snapshot"
    assert body["topic"] == f"user.{alice.pk}"
    assert body["state"] == {"unread": 1}
    assert (body["seq"], body["epoch"]) == store.position(f"user.{alice.pk}")


def test_it_refuses_someone_elses_private_topic(api_as, alice, charlie):
    response = api_as(charlie).get(f"/api/live/topics/user.{alice.pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"]


def test_it_asks_an_anonymous_visitor_to_sign_in(api, alice):
    response = api.get(f"/api/live/topics/user.{alice.pk}/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_organiser_reads_only_their_communitys_queue(api_as, world, olivia, oscar):
    assert api_as(olivia).get(f"/api/live/topics/organiser.{world.a.pk}/").json()["state"] == {
        "pending_join_requests": 0
    }
    assert api_as(oscar).get(f"/api/live/topics/organiser.{world.a.pk}/").status_code == 403


@pytest.mark.parametrize(
    ("topic", "status", "code"), [("nothing.1", 404, "not_found"), ("user..1", 400, "invalid_topic")]
)
def test_unknown_and_malformed_topics_are_clean_4xx(api_as, alice, topic, status, code):
    response = api_as(alice).get(f"/api/live/topics/{topic}/")
    assert response.status_code == status
    assert response.json()["code"] == code


def test_it_answers_503_when_redis_is_down(api_as, alice, settings):
    from tests.support.processes import free_port

    settings.REDIS_URLS = [f"redis://127.0.0.1:{free_port()}/0"]
    response = api_as(alice).get(f"/api/live/topics/user.{alice.pk}/")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


def test_it_costs_a_bounded_number_of_queries(api_as, alice, django_assert_max_num_queries):
    client = api_as(alice)
    with django_assert_max_num_queries(3):
        assert client.get(f"/api/live/topics/user.{alice.pk}/").status_code == 200


def test_it_is_in_the_api_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/live/topics/{topic}/"]["get"]
    assert {"200", "400", "401", "403", "404", "503"} <= set(operation["responses"])
