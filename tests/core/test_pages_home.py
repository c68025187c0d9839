"""Home page, language switching and the large-text-capable layout."""

from django.test import Client

from tests.conftest import make_member, make_user


def test_home_renders_in_chinese_by_default(world, alice):
    html = Client().get("/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "幸福社区" in html
    assert "1 位认证居民" in html
    assert f'href="/communities/{world.a.pk}/"' in html
    assert "注册并加入您的社区" in html


def test_home_renders_in_english_after_switching_language(world):
    client = Client()
    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Communities" in html
    assert "社区问题" not in html
    back = client.post("/language/", {"language": "zh-hans", "next": "/"})
    assert back.status_code == 302
    assert '<html lang="zh-hans"' in client.get("/").content.decode()


def test_switching_language_is_remembered_for_a_signed_in_person(alice):
    client = Client()
    client.force_login(alice)
    client.post("/language/", {"language": "en", "next": "/me/"})
    alice.refresh_from_db()
    assert alice.preferred_language == "en"
    # On another device (no language cookie yet) the saved language applies.
    other = Client()
    other.force_login(alice)
    assert '<html lang="en"' in other.get("/").content.decode()


def test_an_unknown_language_changes_nothing(alice):
    client = Client()
    client.force_login(alice)
    client.post("/language/", {"language": "xx", "next": "/"})
    alice.refresh_from_db()
    assert alice.preferred_language == "zh-hans"
    assert '<html lang="zh-hans"' in client.get("/").content.decode()


def test_language_switch_does_not_redirect_off_site(db):
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_home_tells_a_new_person_what_to_do_next(charlie, world):
    client = Client()
    client.force_login(charlie)
    assert "下一步：在下面选择您居住的社区，申请加入。" in client.get("/").content.decode()


def test_home_shows_an_organiser_the_waiting_requests(olivia, world):
    make_member(make_user("newbie"), world.a, status="pending")
    client = Client()
    client.force_login(olivia)
    assert "有 1 条加入申请等待您审核" in client.get("/").content.decode()


def test_home_costs_a_fixed_number_of_queries(world, alice, django_assert_max_num_queries):
    from network.models import Community

    for i in range(20):
        make_member(make_user(f"r{i}"), Community.objects.create(township=world.t1, name=f"新社区{i}"))
    client = Client()
    client.force_login(alice)
    with django_assert_max_num_queries(15):
        html = client.get("/").content.decode()
    assert html.count('class="card"') >= 22


def test_large_text_cookie_enlarges_the_page(db):
    client = Client()
    client.cookies["large_text"] = "1"
    assert 'class="large-text"' in client.get("/").content.decode()


def test_the_empty_home_says_what_to_do(db):
    assert "还没有社区。平台管理员可以在后台添加社区。" in Client().get("/").content.decode()
