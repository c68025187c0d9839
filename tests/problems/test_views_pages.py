import pytest
from django.test import Client
from django.urls import reverse

from problems import services
from problems.models import BeneficiaryTag, Comment, Problem

from .conftest import image_file, make_problem


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_nav_url_name_exists():
    assert reverse("problems:list") == "/problems/"


def test_the_list_page_filters_and_shows_an_empty_state(alice, world):
    make_problem(alice, world.a, title="屋顶漏水", status="discussing")
    page = client_for(None).get("/problems/", {"status": "discussing"})
    assert page.status_code == 200
    assert "屋顶漏水" in page.content.decode()
    empty = client_for(None).get("/problems/", {"q": "没有这种问题"}).content.decode()
    assert "没有符合条件的问题" in empty
    community_page = client_for(alice).get(f"/communities/{world.a.pk}/problems/").content.decode()
    assert "提出问题" in community_page


def test_list_and_detail_pages_cost_a_bounded_number_of_queries(
    alice, bob, olivia, world, django_assert_max_num_queries
):
    tags = list(BeneficiaryTag.objects.values_list("pk", flat=True)[:2])
    problems = [make_problem(alice, world.a, title=f"问题 {i}", tag_ids=tags) for i in range(20)]
    target = problems[0]
    for i in range(10):
        parent = services.comment_create(author=bob, problem_id=target.pk, body=f"评论 {i}")
        services.comment_create(author=alice, problem_id=target.pk, body="回复", parent_id=parent.pk)
    client = client_for(olivia)
    with django_assert_max_num_queries(16):
        assert client.get("/problems/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/communities/{world.a.pk}/problems/", {"sort": "endorsed", "q": "问题"}).status_code == 200
    with django_assert_max_num_queries(16):
        page = client.get(f"/problems/{target.pk}/")
    assert page.status_code == 200
    assert page.content.decode().count('class="comment"') == 20


def test_a_resident_raises_a_problem_on_the_page(alice, world, settings):
    client = client_for(alice)
    form = client.get("/problems/new/")
    assert form.status_code == 200
    assert 'for="id_title"' in form.content.decode()
    tag = BeneficiaryTag.objects.get(name="一小")
    r = client.post(
        "/problems/new/",
        {
            "community": world.a.pk,
            "title": "游乐场滑梯断了",
            "description": "孩子们没地方玩",
            "category": "facilities",
            "tags": [tag.pk],
            "place": "3 幢旁",
            "photos": [image_file()],
        },
    )
    problem = Problem.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/problems/{problem.pk}/"
    assert problem.photos.count() == 1
    detail = client.get(r["Location"]).content.decode()
    assert "游乐场滑梯断了" in detail
    assert "我也关心" in detail


def test_a_bad_photo_shows_inline_on_the_page(alice, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client_for(alice).post(
        "/problems/new/",
        {
            "community": world.a.pk,
            "title": "标题",
            "description": "描述",
            "category": "other",
            "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")],
        },
    )
    assert r.status_code == 200
    assert "不是可识别的照片" in r.content.decode()
    assert not Problem.objects.exists()


def test_people_without_a_verified_membership_cannot_raise(charlie, oscar, world):
    assert client_for(charlie).get("/problems/new/").status_code == 302
    # oscar organises B only: asking for A gives him the choice of his own community.
    page = client_for(oscar).get("/problems/new/", {"community": world.a.pk})
    assert page.status_code == 200
    assert f'name="community" value="{world.b.pk}"' in page.content.decode()
    assert client_for(None).get("/problems/new/").status_code == 302


def test_endorse_follow_and_comment_buttons(problem, bob, charlie):
    client = client_for(bob)
    client.post(f"/problems/{problem.pk}/endorse/")
    client.post(f"/problems/{problem.pk}/follow/")
    r = client.post(f"/problems/{problem.pk}/comments/", {"body": "我也觉得要修"})
    comment = Comment.objects.get()
    assert r["Location"].endswith(f"#comment-{comment.pk}")
    problem.refresh_from_db()
    assert (problem.endorsement_count, problem.comment_count) == (1, 1)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "我已关心" in page
    assert "取消关注" in page
    # charlie may follow but neither endorse nor comment; the refusal is a message, not a 500.
    outsider = client_for(charlie)
    r = outsider.post(f"/problems/{problem.pk}/endorse/", follow=True)
    assert r.status_code == 200
    assert "只有本社区的认证居民" in r.content.decode()
    problem.refresh_from_db()
    assert problem.endorsement_count == 1


def test_comment_edit_page_respects_the_author_and_window(problem, alice, bob):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="原文")
    assert client_for(alice).post(f"/problems/comments/{comment.pk}/edit/", {"body": "新文"}).status_code == 302
    assert Comment.objects.get(pk=comment.pk).body == "新文"
    r = client_for(bob).post(f"/problems/comments/{comment.pk}/edit/", {"body": "篡改"})
    assert r.status_code == 200
    assert "只能修改自己的评论" in r.content.decode()
    assert Comment.objects.get(pk=comment.pk).body == "新文"


def test_organiser_moves_and_moderates_on_the_pages(problem, alice, bob, olivia, oscar):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="广告")
    services.comment_report(reporter=bob, comment_id=comment.pk, reason="广告")

    assert client_for(bob).get("/organiser/problems/").status_code == 302
    queue = client_for(olivia).get("/organiser/problems/").content.decode()
    assert "广告" in queue
    assert "保存门槛" in queue
    assert "广告" not in client_for(oscar).get("/organiser/problems/").content.decode()

    client_for(oscar).post(f"/problems/comments/{comment.pk}/hide/", {"reason": "广告"})
    assert Comment.objects.get(pk=comment.pk).hidden_at is None
    client_for(olivia).post(
        f"/problems/comments/{comment.pk}/hide/", {"reason": "广告", "next": "/organiser/problems/"}
    )
    assert Comment.objects.get(pk=comment.pk).hidden_at is not None
    assert "已被社区工作者隐藏" in client_for(None).get(f"/problems/{problem.pk}/").content.decode()

    client_for(alice).post(f"/problems/{problem.pk}/status/", {"to_status": "discussing"})
    assert Problem.objects.get(pk=problem.pk).status == "raised"
    client_for(olivia).post(f"/problems/{problem.pk}/status/", {"to_status": "discussing", "reason": "议事"})
    assert Problem.objects.get(pk=problem.pk).status == "discussing"


def test_organiser_settings_and_tags_on_the_page(olivia, oscar, world):
    client_for(oscar).post(
        f"/organiser/problems/{world.a.pk}/settings/", {"threshold_kind": "count", "threshold_value": 3}
    )
    client_for(olivia).post(f"/organiser/problems/{world.a.pk}/tags/", {"name": "新市民"})
    client_for(oscar).post(f"/organiser/problems/{world.a.pk}/tags/", {"name": "外人加的"})
    r = client_for(olivia).post(
        f"/organiser/problems/{world.a.pk}/settings/", {"threshold_kind": "count", "threshold_value": 3}, follow=True
    )
    assert "需要 3 位居民关心" in r.content.decode()
    assert list(BeneficiaryTag.objects.filter(community=world.a).values_list("name", flat=True)) == ["新市民"]


def test_the_vote_page_is_for_organisers_and_says_what_to_do_when_empty(olivia, alice, world):
    assert client_for(alice).get(f"/organiser/problems/{world.a.pk}/vote/").status_code == 302
    page = client_for(olivia).get(f"/organiser/problems/{world.a.pk}/vote/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "没有讨论中的问题" in body or "投票功能暂未开放" in body


def test_the_vote_page_creates_a_ballot(olivia, alice, world):
    pytest.importorskip("voting.services")
    problem = make_problem(alice, world.a, status="discussing")
    other = make_problem(alice, world.a, status="discussing", title="楼道灯")
    page = client_for(olivia).get(f"/organiser/problems/{world.a.pk}/vote/", {"problem": problem.pk})
    assert 'type="datetime-local"' in page.content.decode()
    r = client_for(olivia).post(
        f"/organiser/problems/{world.a.pk}/vote/",
        {
            "problem_ids": [problem.pk, other.pk],
            "question": "先解决哪个？",
            "method": "approval",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-01-08T09:00",
        },
    )
    problem.refresh_from_db()
    assert problem.status == "voting"
    assert r["Location"] == f"/ballots/{problem.ballot_id}/"
    assert Problem.objects.get(pk=other.pk).ballot_id == problem.ballot_id


def test_pages_and_refusals_speak_english_when_asked(problem, bob, charlie):
    client = client_for(bob)
    client.cookies["django_language"] = "en"
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "I care too" in page
    assert "Raised" in page
    outsider = client_for(charlie)
    outsider.cookies["django_language"] = "en"
    r = outsider.post(f"/problems/{problem.pk}/endorse/", follow=True)
    assert "Only verified residents of this community can endorse problems." in r.content.decode()


def test_the_moderation_queue_costs_a_bounded_number_of_queries(
    problem, alice, bob, olivia, world, django_assert_max_num_queries
):
    from tests.conftest import make_member, make_user

    reporters = []
    for i in range(3):
        person = make_user(f"reporter{i}")
        make_member(person, world.a)
        reporters.append(person)
    for i in range(8):
        comment = services.comment_create(author=alice, problem_id=problem.pk, body=f"可疑评论 {i}")
        for person in reporters:
            services.comment_report(reporter=person, comment_id=comment.pk, reason="广告")
    client = client_for(olivia)
    with django_assert_max_num_queries(18):
        page = client.get("/organiser/problems/")
    assert page.content.decode().count("可疑评论") == 8


@pytest.mark.parametrize(
    "path",
    [
        "/problems/{p}/endorse/",
        "/problems/{p}/follow/",
        "/problems/{p}/status/",
        "/problems/{p}/comments/",
        "/problems/comments/{c}/delete/",
        "/problems/comments/{c}/report/",
        "/problems/comments/{c}/hide/",
        "/problems/comments/{c}/dismiss/",
        "/organiser/problems/{a}/settings/",
        "/organiser/problems/{a}/tags/",
    ],
)
def test_anonymous_posts_are_sent_to_sign_in_and_change_nothing(problem, alice, world, path):
    comment = services.comment_create(author=alice, problem_id=problem.pk, body="原话")
    r = client_for(None).post(path.format(p=problem.pk, c=comment.pk, a=world.a.pk), {"reason": "x", "body": "x"})
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")
    problem.refresh_from_db()
    comment.refresh_from_db()
    assert (problem.status, problem.endorsement_count, problem.comment_count) == ("raised", 0, 1)
    assert comment.is_visible and comment.open_report_count == 0


def test_pages_for_missing_things_are_404(alice):
    client = client_for(alice)
    assert client.get("/problems/99999/").status_code == 404
    assert client.get("/communities/99999/problems/").status_code == 404
    assert client.get("/problems/comments/99999/edit/").status_code == 404
    assert client.post("/problems/comments/99999/delete/").status_code == 404


def test_organisers_start_a_campaign_from_an_adopted_problem(alice, olivia, oscar, world):
    problem = make_problem(alice, world.a, status="adopted")
    create = f'href="{reverse("campaigns:create")}?problem={problem.pk}"'
    assert create in client_for(olivia).get(f"/problems/{problem.pk}/").content.decode()
    for user in (alice, oscar, None):
        assert create not in client_for(user).get(f"/problems/{problem.pk}/").content.decode()


@pytest.mark.parametrize(
    ("status", "label"), [("solving", "查看正在解决这个问题的众筹行动"), ("solved", "查看解决这个问题的众筹行动")]
)
def test_a_problem_being_solved_links_to_its_campaign(alice, olivia, world, status, label):
    problem = make_problem(alice, world.a, status=status)
    page = client_for(olivia).get(f"/problems/{problem.pk}/").content.decode()
    assert f'href="{reverse("campaigns:detail", args=[problem.campaign_id])}"' in page and label in page
    assert "发起众筹行动" not in page
