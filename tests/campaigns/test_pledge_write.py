"""The pledge path's own shortcuts hold what the slower general ways would give: the response
built directly equals the declared serializer fields, a need's remembered facts are checked by
the write, and a refused write leaves nothing behind."""

import json
from datetime import timedelta

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from campaigns import selectors, services
from campaigns.apis import PledgeOut
from campaigns.models import Campaign, Need, Pledge


def _declared(pledge: Pledge) -> dict:
    """PledgeOut's fields, one by one, as DRF renders them."""
    return dict(serializers.Serializer.to_representation(PledgeOut(), pledge))


def test_the_pledge_response_equals_its_declared_fields(alice, olivia, needs, shift, image_file):
    made = [
        services.pledge_create(user=alice, need=needs["resource"], quantity=3, estimated_value_fen=1200),
        services.pledge_create(user=alice, need=needs["idea"], body="周末下午开放", anonymous=True),
        services.pledge_create(
            user=alice, need=needs["project"], summary="花箱", body="做十个花箱", carried_by="楼组长", budget_fen=0
        ),
        services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk),
        services.pledge_record_offline(
            actor=olivia, need_id=needs["money"].pk, amount_fen=5000, evidence=image_file(), contributor_name="张大爷"
        ),
    ]
    services.pledge_confirm(actor=olivia, pledge_id=made[0].pk)
    for pledge in [*made, *Pledge.objects.select_related("need", "user")]:
        assert PledgeOut(pledge).data == _declared(pledge)
    listed = PledgeOut(Pledge.objects.select_related("need", "user"), many=True).data
    assert [dict(row) for row in listed] == [_declared(p) for p in Pledge.objects.select_related("need", "user")]


def test_a_remembered_need_costs_no_read_and_its_facts_are_checked_by_the_write(alice, needs):
    need = needs["resource"]
    first = selectors.need_to_pledge(need.pk)
    assert (first.campaign_id, first.dimension, first.currency) == (need.campaign_id, "resource", "cny")
    with CaptureQueriesContext(connection) as reads:
        again = selectors.need_to_pledge(need.pk)
    assert len(reads) == 0 and again.community_ids == first.community_ids
    # Facts that no longer hold (a row id reused after a rollback) are refused, not written.
    Need.objects.filter(pk=need.pk).update(dimension="idea")
    with pytest.raises(services.Conflict):
        services.pledge_create(user=alice, need=again, quantity=1)
    assert not Pledge.objects.exists()
    assert Need.objects.get(pk=need.pk).pledge_count == 0
    assert selectors.need_to_pledge(need.pk).dimension == "idea"  # forgotten, read afresh


def test_a_deleted_need_is_404_even_when_remembered(api_as, alice, needs):
    need = needs["resource"]
    assert selectors.need_to_pledge(need.pk) is not None
    Need.objects.filter(pk=need.pk).delete()
    response = api_as(alice).post(f"/api/needs/{need.pk}/pledges/", {"quantity": 1}, format="json")
    assert response.status_code == 404 and response.json()["detail"]
    assert not Pledge.objects.exists()


def test_title_target_and_over_pledging_are_read_by_the_write_not_remembered(
    api_as, alice, needs, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("live.services.send_batch", lambda batch: sent.extend(batch))
    need = needs["resource"]  # target 100
    client = api_as(alice)
    url = f"/api/needs/{need.pk}/pledges/"

    def pledge(quantity):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {"quantity": quantity}, format="json")

    assert pledge(60).status_code == 201
    # Changed behind the platform's back (an administrator's edit): no process keeps the old values.
    Need.objects.filter(pk=need.pk).update(title="月季花苗", target=90)
    refused = pledge(40).json()
    assert refused["code"] == "target_reached" and "30" in refused["detail"]
    Need.objects.filter(pk=need.pk).update(allow_over_pledge=True)
    assert pledge(40).status_code == 201
    need.refresh_from_db()
    assert (need.pledged_total, need.pledge_count) == (100, 2)
    assert Pledge.objects.count() == 2
    titles = [json.loads(data)["need_title"] for topic, data in sent if topic.startswith("campaign.")]
    assert titles == ["花苗", "月季花苗"]


def test_a_refused_pledge_leaves_no_row_and_no_count(api_as, alice, campaign, needs):
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = api_as(alice).post(f"/api/needs/{needs['resource'].pk}/pledges/", {"quantity": 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"
    assert not Pledge.objects.exists()
    assert Need.objects.get(pk=needs["resource"].pk).pledge_count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not hold text to a column's length")
def test_a_value_too_long_for_its_column_fails_instead_of_being_cut(olivia, needs):
    with pytest.raises(DataError):
        _insert_with_long_name(olivia, needs["money"])
    assert not Pledge.objects.exists()
    assert Need.objects.get(pk=needs["money"].pk).pledge_count == 0


def _insert_with_long_name(organiser, need):
    """Write a pledge whose name is longer than its column through the pledge write itself (the
    services cut names to length before they get there)."""
    now = timezone.now()
    with transaction.atomic():
        services._pledge_insert(
            need=Need.objects.select_related("campaign").get(pk=need.pk),
            user=None,
            value=100,
            values={"quantity": 1, "amount_fen": 100, "currency": "cny", "body": ""},
            anonymous=False,
            key="",
            source=Pledge.Source.OFFLINE,
            now=now,
            status=Pledge.Status.FULFILLED,
            extra={"contributor_name": "名" * 51, "recorded_by": organiser},
        )


@pytest.mark.parametrize("name", ["online_payment", "user", "need", "idempotency_key", "colour"])
def test_names_the_dimension_does_not_take_are_refused_not_passed_on(api_as, alice, needs, name):
    """`online_payment` must never reach the service from a request: it would record money
    that no payment stands behind."""
    for dimension in ("resource", "money"):
        response = api_as(alice).post(
            f"/api/needs/{needs[dimension].pk}/pledges/", {"quantity": 1, "amount_fen": 100, name: True}, format="json"
        )
        assert response.status_code == 400 and name in response.json()["detail"], (dimension, response.json())
    assert not Pledge.objects.exists()
    assert sum(Need.objects.values_list("pledge_count", flat=True)) == 0


def test_the_pledge_write_sends_what_the_orm_would(alice, olivia, needs, shift, image_file, monkeypatch):
    at = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: at)
    fields = services._pledge_sql()[0]
    samples = [
        Pledge(need=needs["resource"], campaign_id=needs["resource"].campaign_id, user=alice, quantity=3, body="x"),
        Pledge(
            need=needs["money"],
            campaign_id=needs["money"].campaign_id,
            user=None,
            recorded_by=olivia,
            amount_fen=5000,
            contributor_name="张大爷",
            evidence=image_file(),
            status="fulfilled",
            confirmed_at=at,
            fulfilled_at=at,
        ),
        Pledge(need=needs["people"], campaign_id=needs["people"].campaign_id, user=alice, shift_id=shift.pk),
        Pledge(need=needs["project"], campaign_id=needs["project"].campaign_id, user=alice, budget_fen=0, adopted=True),
    ]
    for pledge in samples:
        ours = services._insert_params(pledge, fields, connection)
        orm = [f.get_db_prep_save(f.pre_save(pledge, True), connection) for f, _attname, _kind in fields]
        assert ours == orm


@pytest.mark.parametrize(
    ("dimension", "payload", "field"),
    [
        ("resource", {"quantity": "3"}, "quantity"),
        ("resource", {"quantity": 2.5}, "quantity"),
        ("resource", {"quantity": True}, "quantity"),
        ("resource", {"quantity": 1, "anonymous": "yes"}, "anonymous"),
        ("resource", {"quantity": 1, "estimated_value_fen": "100"}, "estimated_value_fen"),
        ("resource", {"quantity": 1, "body": ["花"]}, "body"),
        ("idea", {"body": "好" * 5001}, "body"),
        ("project", {"summary": "好" * 201, "body": "做", "carried_by": "我"}, "summary"),
        ("project", {"summary": "花箱", "body": "做", "carried_by": "我", "budget_fen": "0"}, "budget_fen"),
        ("people", {"shift_id": "1"}, "shift_id"),
        ("people", {"shift_id": -1}, "shift_id"),
    ],
)
def test_values_of_the_wrong_type_are_a_400_naming_the_field(api_as, alice, needs, dimension, payload, field):
    response = api_as(alice).post(f"/api/needs/{needs[dimension].pk}/pledges/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"] and response.json()["detail"]
    assert not Pledge.objects.exists()


def test_the_pledge_api_takes_json_objects_only(api_as, alice, needs):
    url = f"/api/needs/{needs['resource'].pk}/pledges/"
    client = api_as(alice)
    assert client.post(url, {"quantity": 1}).status_code == 415  # a form post
    response = client.post(url, [1, 2], format="json")
    assert response.status_code == 400 and response.json()["detail"]
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert not Pledge.objects.exists()


def test_the_documented_input_is_what_the_endpoint_takes():
    from campaigns.apis import PledgeCreateApi
    from campaigns.models import Dimension

    documented = set(PledgeCreateApi.InputSerializer().fields)
    taken = set().union(*(PledgeCreateApi.input_fields(d) for d in Dimension.values))
    assert documented == taken


def test_the_pledge_write_is_one_logged_statement_and_prepared_on_postgresql(alice, needs):
    need = selectors.need_to_pledge(needs["resource"].pk)
    with CaptureQueriesContext(connection) as queries:
        services.pledge_create(user=alice, need=need, quantity=1)
    writes = [q["sql"] for q in queries if "campaigns_need" in q["sql"] or "campaigns_pledge" in q["sql"]]
    if connection.vendor == "postgresql":
        # One statement (inside the test's transaction: with a savepoint around it).
        assert len(writes) == 1 and writes[0].startswith("WITH room AS")
        services.pledge_create(user=alice, need=needs["resource"], quantity=1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            assert any(row[0].startswith("WITH room AS") for row in cursor.fetchall())
    else:
        assert len(writes) == 2  # the INSERT, then the counter UPDATE, in one transaction
