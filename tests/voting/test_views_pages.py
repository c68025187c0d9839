from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import consent_record
from voting import services
from voting.models import Ballot, Cast, Participation

from .conftest import option_ids


def client_as(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_the_list_page_shows_ballots_with_bounded_queries(make_ballot, alice, django_assert_max_num_queries):
    for method in ("single", "approval", "ranked", "score", "budget"):
        make_ballot(method, question=f"议题-{method}")
    c = client_as(alice)
    with django_assert_max_num_queries(14):
        r = c.get("/ballots/")
    assert r.status_code == 200
    assert "议题-ranked" in r.content.decode()


def test_the_list_page_says_what_to_do_when_empty(db):
    r = Client().get("/ballots/")
    assert r.status_code == 200
    assert "现在还没有投票" in r.content.decode()


@pytest.mark.parametrize("method", ["single", "approval", "ranked", "score", "budget"])
def test_each_method_has_a_labelled_voting_form(make_ballot, alice, method):
    ballot = make_ballot(method)
    html = client_as(alice).get(f"/ballots/{ballot.pk}/").content.decode()
    assert f'action="/ballots/{ballot.pk}/vote/"' in html
    for oid in option_ids(ballot):
        assert f'for="{"rank" if method == "ranked" else "score" if method == "score" else "opt"}-{oid}"' in html


def test_voting_on_the_page_shows_the_receipt(make_ballot, alice):
    ballot = make_ballot("ranked")
    a, b, _c = option_ids(ballot)
    r = client_as(alice).post(f"/ballots/{ballot.pk}/vote/", {f"rank_{b}": "1", f"rank_{a}": "2"})
    assert r.status_code == 200
    assert "回执码" in r.content.decode()
    assert Cast.objects.get().choices == {"ranking": [b, a]}


def test_a_duplicate_rank_is_shown_inline_and_nothing_is_stored(make_ballot, alice):
    ballot = make_ballot("ranked")
    a, b, _ = option_ids(ballot)
    r = client_as(alice).post(f"/ballots/{ballot.pk}/vote/", {f"rank_{a}": "1", f"rank_{b}": "1"})
    assert r.status_code == 400
    assert "每个名次只能给一个选项" in r.content.decode()
    assert Participation.objects.count() == 0


def test_outsiders_are_told_who_may_vote(make_ballot, charlie):
    ballot = make_ballot()
    html = client_as(charlie).get(f"/ballots/{ballot.pk}/").content.decode()
    assert "只有本社区的认证居民才能参加这项投票" in html
    r = client_as(charlie).post(f"/ballots/{ballot.pk}/vote/", {"option": option_ids(ballot)[0]})
    assert r.status_code == 403
    assert Participation.objects.count() == 0


def test_organiser_creates_a_budget_ballot_on_the_page(world, olivia):
    now = timezone.localtime()
    r = client_as(olivia).post(
        "/ballots/new/",
        {
            "communities": [world.a.pk],
            "question": "小区微更新资金怎么用？",
            "method": "budget",
            "options_text": "修缮凉亭 | 6000\n增设座椅 | 2500.50\n",
            "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "results_policy": "turnout",
            "budget_yuan": "8000",
        },
    )
    assert r.status_code == 302, r.content.decode()
    ballot = Ballot.objects.get()
    assert ballot.budget_fen == 800000
    assert list(ballot.options.values_list("cost_fen", flat=True)) == [600000, 250050]


def test_the_create_page_shows_service_errors_inline(world, olivia):
    now = timezone.localtime()
    r = client_as(olivia).post(
        "/ballots/new/",
        {
            "communities": [world.a.pk],
            "question": "只有一个选项",
            "method": "single",
            "options_text": "唯一",
            "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "results_policy": "turnout",
        },
    )
    assert r.status_code == 200
    assert "请设置 2 到 50 个选项" in r.content.decode()
    assert Ballot.objects.count() == 0


def test_residents_cannot_open_the_create_page(alice):
    r = client_as(alice).get("/ballots/new/")
    assert r.status_code == 302


def test_results_page_draws_rounds_for_instant_runoff(make_ballot, alice, bob, olivia):
    ballot = make_ballot("ranked", results_policy="live")
    a, b, c = option_ids(ballot)
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"ranking": [a]})
    services.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"ranking": [c, b]})
    html = Client().get(f"/ballots/{ballot.pk}/results/").content.decode()
    assert "第 1 轮" in html and "第 2 轮" in html
    assert "用尽的选票" in html


def test_hidden_results_redirect_with_a_message(make_ballot, alice):
    ballot = make_ballot()
    r = client_as(alice).get(f"/ballots/{ballot.pk}/results/")
    assert r.status_code == 302


def test_receipt_page_checks_a_code_and_lists_published_papers(make_ballot, alice, olivia):
    ballot = make_ballot("score")
    a, *_ = option_ids(ballot)
    receipt = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"scores": {str(a): 4}})
    r = Client().post(f"/ballots/{ballot.pk}/receipts/", {"receipt": receipt.receipt})
    html = r.content.decode()
    assert receipt.check_code in html and "4 分" in html
    assert alice.display_name not in html
    r = Client().post(f"/ballots/{ballot.pk}/receipts/", {"receipt": "ZZZZ"})
    assert "回执码不正确" in r.content.decode()
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    services.ballot_publish(actor=olivia, ballot_id=ballot.pk)
    html = Client().get(f"/ballots/{ballot.pk}/receipts/").content.decode()
    assert receipt.check_code in html
    assert alice.display_name not in html


def test_assist_page_for_organisers_only(make_ballot, world, olivia, alice, oscar):
    ballot = make_ballot()
    consent = consent_record(organiser=olivia, resident=alice, community=world.a, method="family", scope="投票")
    assert client_as(oscar).get(f"/ballots/{ballot.pk}/assist/").status_code == 302
    page = client_as(olivia).get(f"/ballots/{ballot.pk}/assist/").content.decode()
    assert alice.display_name in page
    r = client_as(olivia).post(
        f"/ballots/{ballot.pk}/assist/", {"consent": consent.pk, "option": option_ids(ballot)[0]}
    )
    assert r.status_code == 200
    assert Cast.objects.get().assisted is True
    assert Participation.objects.get().voter == alice


def test_publish_button_for_organisers(make_ballot, olivia, alice):
    ballot = make_ballot()
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    assert client_as(alice).post(f"/ballots/{ballot.pk}/publish/").status_code == 302
    assert Ballot.objects.get().status == "closed"
    assert client_as(olivia).post(f"/ballots/{ballot.pk}/publish/").status_code == 302
    assert Ballot.objects.get().status == "published"


def test_a_refused_paper_keeps_what_was_chosen(make_ballot, alice):
    ballot = make_ballot("score")
    a, b, _c = option_ids(ballot)
    r = client_as(alice).post(f"/ballots/{ballot.pk}/vote/", {f"score_{a}": "4", f"score_{b}": "9"})
    assert r.status_code == 400
    html = r.content.decode()
    assert '<option value="4" selected>' in html
    assert "每项评分须为 0 到 5 的整数" in html


def test_changing_a_vote_on_the_page_needs_the_receipt(make_ballot, alice):
    ballot = make_ballot("approval", allow_revote=True)
    a, b, _c = option_ids(ballot)
    c = client_as(alice)
    first = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [a]})
    assert 'name="receipt"' in c.get(f"/ballots/{ballot.pk}/").content.decode()
    r = c.post(f"/ballots/{ballot.pk}/vote/", {"options": [str(b)]})
    assert r.status_code == 400
    assert f'value="{b}" checked' in r.content.decode()
    r = c.post(f"/ballots/{ballot.pk}/vote/", {"options": [str(b)], "receipt": first.receipt})
    assert "改票成功" in r.content.decode()
    assert Cast.objects.get().choices == {"options": [b]}


def test_the_ballot_page_keeps_queries_bounded(make_ballot, olivia, django_assert_max_num_queries):
    ballot = make_ballot("ranked")
    c = client_as(olivia)
    with django_assert_max_num_queries(20):
        assert c.get(f"/ballots/{ballot.pk}/").status_code == 200


def test_editing_a_draft_keeps_option_links(make_ballot, olivia):
    ballot = make_ballot(
        open=False,
        options=[
            {"label": "屋顶漏水", "ref_kind": "problem", "ref_id": 5},
            {"label": "楼道灯", "ref_kind": "problem", "ref_id": 6},
        ],
    )
    now = timezone.localtime()
    form = {
        "communities": [c.pk for c in ballot.communities.all()],
        "question": "先解决哪个？",
        "method": "single",
        "options_text": "屋顶漏水\r\n楼道灯\r\n",
        "opens_at": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "results_policy": "turnout",
    }
    assert client_as(olivia).post(f"/ballots/{ballot.pk}/edit/", form).status_code == 302
    assert list(ballot.options.values_list("label", "ref_id")) == [("屋顶漏水", 5), ("楼道灯", 6)]
    form["options_text"] = "楼道灯\r\n屋顶漏水\r\n小花园"
    assert client_as(olivia).post(f"/ballots/{ballot.pk}/edit/", form).status_code == 302
    assert list(ballot.options.order_by("position").values_list("label", "ref_id")) == [
        ("楼道灯", 6),
        ("屋顶漏水", 5),
        ("小花园", None),
    ]
    assert Ballot.objects.get().question == "先解决哪个？"
