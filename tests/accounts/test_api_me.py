"""The signed-in person: profile, notifications."""

from accounts.models import Notification
from accounts.services import notification_send


def test_me_shows_profile_and_roles(api_as, olivia, world):
    body = api_as(olivia).get("/api/me/").json()
    assert body["username"] == "olivia"
    assert body["roles"]["organiser"] is True
    assert body["roles"]["organiser_communities"] == [world.a.pk]
    assert body["unread_notifications"] == 0


def test_a_reviewer_sees_their_fund(api_as, rita, world):
    roles = api_as(rita).get("/api/me/").json()["roles"]
    assert roles["reviewer"] is True
    assert roles["funds"] == [world.fund_x.pk]
    assert roles["organiser"] is False


def test_it_changes_the_profile(api_as, alice):
    response = api_as(alice).patch(
        "/api/me/",
        {"display_name": " 王阿姨 ", "phone": "13900000000", "email": "wang@example.com", "preferred_language": "en"},
        format="json",
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.display_name, alice.phone, alice.email, alice.preferred_language) == (
        "王阿姨",
        "13900000000",
        "wang@example.com",
        "en",
    )


def test_a_partial_change_leaves_the_rest(api_as, alice):
    api_as(alice).patch("/api/me/", {"phone": "13700000000"}, format="json")
    alice.refresh_from_db()
    assert (alice.display_name, alice.phone) == ("王阿姨", "13700000000")


def test_it_refuses_bad_profile_values_and_changes_nothing(api_as, alice):
    for body, field in [
        ({"email": "not-an-email", "display_name": "变"}, "email"),
        ({"preferred_language": "de", "display_name": "变"}, "preferred_language"),
        ({"display_name": "长" * 51}, "display_name"),
        ({"phone": "1" * 21, "display_name": "变"}, "phone"),
    ]:
        response = api_as(alice).patch("/api/me/", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["fields"]
    alice.refresh_from_db()
    assert alice.display_name == "王阿姨"


def test_notifications_list_and_mark_read(api_as, alice, charlie, django_assert_max_num_queries):
    for i in range(25):
        notification_send(user=alice, kind="test", title=f"通知 {i}")
    other = notification_send(user=charlie, kind="test", title="别人的通知")
    client = api_as(alice)
    with django_assert_max_num_queries(4):
        page = client.get("/api/me/notifications/").json()
    assert page["count"] == 25
    assert len(page["results"]) == 20
    assert page["results"][0]["title"] == "通知 24"

    ids = [n["id"] for n in page["results"][:3]] + [other.pk]
    marked = client.post("/api/me/notifications/mark-read/", {"ids": ids}, format="json").json()
    assert marked == {"marked": 3, "unread": 22}
    other.refresh_from_db()
    assert other.read_at is None, "someone else's notification stays unread"
    assert client.get("/api/me/notifications/?unread=true").json()["count"] == 22

    everything = client.post("/api/me/notifications/mark-read/", {}, format="json").json()
    assert everything == {"marked": 22, "unread": 0}
    assert Notification.objects.filter(user=charlie, read_at__isnull=True).count() == 1


def test_mark_read_refuses_bad_ids(api_as, alice):
    response = api_as(alice).post("/api/me/notifications/mark-read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()["fields"]
