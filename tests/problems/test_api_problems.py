from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from problems.models import BeneficiaryTag, Problem, ProblemPhoto

from .conftest import image_file, make_problem

URL = "/api/problems/"


def form(community, **extra):
    data = {
        "community": community.pk,
        "title": "楼道灯坏了",
        "description": "5 幢楼道灯一个月没亮。",
        "category": "safety",
    }
    data.update(extra)
    return data


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_resident_raises_a_problem_with_tags_place_and_photos(api_as, alice, world, settings):
    tags = list(BeneficiaryTag.objects.filter(name__in=["一老", "公共空间"]).values_list("pk", flat=True))
    png = image_file("灯.png", "PNG", (300, 200), "image/png")
    data = form(world.a, tags=tags, place="5 幢", latitude="29.860000", longitude="121.560000")
    data["photos"] = [image_file(), png]
    r = api_as(alice).post(URL, data, format="multipart")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "raised"
    assert sorted(t["name"] for t in body["tags"]) == ["一老", "公共空间"]
    assert [(p["content_type"], p["width"], p["height"]) for p in body["photos"]] == [
        ("image/jpeg", 120, 90),
        ("image/png", 300, 200),
    ]
    assert body["following"] is True
    assert body["history"][0]["to_status"] == "raised"
    assert len(stored_files(settings)) == 2
    assert all(p.suffix in (".jpg", ".png") for p in stored_files(settings))


def test_json_input_works_without_photos(api_as, alice, world):
    r = api_as(alice).post(URL, form(world.a), format="json")
    assert r.status_code == 201
    assert r.json()["photos"] == []


@pytest.mark.parametrize(
    "photos",
    [
        pytest.param(
            lambda: [SimpleUploadedFile("notes.txt", b"just words", content_type="text/plain")], id="wrong-type"
        ),
        pytest.param(
            lambda: [SimpleUploadedFile("photo.jpg", b"GIF89a" + b"\x00" * 200, content_type="image/jpeg")],
            id="disguised-magic-bytes",
        ),
        pytest.param(
            lambda: [SimpleUploadedFile("cut.jpg", image_file().read()[:300], content_type="image/jpeg")],
            id="truncated",
        ),
        pytest.param(lambda: [image_file("gif.gif", "GIF", (100, 100), "image/gif")], id="gif-not-allowed"),
        pytest.param(lambda: [image_file(size=(20, 20))], id="too-small"),
        pytest.param(lambda: [image_file(f"p{i}.jpg") for i in range(5)], id="too-many"),
        pytest.param(
            lambda: [image_file(), SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nnope", "image/png")], id="one-bad"
        ),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(api_as, alice, world, settings, photos):
    data = form(world.a)
    data["photos"] = photos()
    r = api_as(alice).post(URL, data, format="multipart")
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["code"] == "invalid"
    assert "photos" in body["fields"]
    assert not Problem.objects.exists()
    assert not ProblemPhoto.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_photo_is_refused(api_as, alice, world, settings):
    settings.PROBLEMS_PHOTO_MAX_BYTES = 1024
    data = form(world.a)
    data["photos"] = [image_file(size=(600, 600))]
    big = data["photos"][0]
    assert big.size > 1024
    r = api_as(alice).post(URL, data, format="multipart")
    assert r.status_code == 400
    assert "太大" in r.json()["fields"]["photos"][0]
    assert not Problem.objects.exists()
    assert stored_files(settings) == []


def test_a_failed_write_removes_the_stored_photos(api_as, alice, world, settings, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("problems.models.StatusChange.objects.create", boom)
    data = form(world.a)
    data["photos"] = [image_file()]
    with pytest.raises(RuntimeError):
        api_as(alice).post(URL, data, format="multipart")
    assert not Problem.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"title": ""}, "title"),
        ({"category": "nonsense"}, "category"),
        ({"latitude": "95", "longitude": "121"}, "latitude"),
        ({"latitude": "29.8"}, "longitude"),
    ],
)
def test_bad_fields_answer_400_with_field_messages(api_as, alice, world, extra, field):
    r = api_as(alice).post(URL, form(world.a, **extra), format="json")
    assert r.status_code == 400
    assert field in r.json()["fields"]
    assert not Problem.objects.exists()


def test_a_tag_of_another_community_is_refused(api_as, alice, world):
    theirs = BeneficiaryTag.objects.create(community=world.b, name="渔民")
    r = api_as(alice).post(URL, form(world.a, tags=[theirs.pk]), format="json")
    assert r.status_code == 400
    assert "tags" in r.json()["fields"]
    mine = BeneficiaryTag.objects.create(community=world.a, name="新市民")
    assert api_as(alice).post(URL, form(world.a, tags=[mine.pk]), format="json").status_code == 201


# --- Lists -----------------------------------------------------------------------------------


@pytest.fixture
def several(alice, bea, world):
    from problems.models import Problem

    old = BeneficiaryTag.objects.get(name="一老")
    p1 = make_problem(
        alice, world.a, title="屋顶漏水", description="12 幢老房子漏雨", category="facilities", tag_ids=[old.pk]
    )
    p2 = make_problem(
        alice, world.a, title="孩子放学没人管", description="需要四点半课堂", category="children", status="discussing"
    )
    p3 = make_problem(
        bea, world.b, title="空地改菜园", description="村委旁空地荒废，想改成菜园", category="environment"
    )
    Problem.objects.filter(pk=p1.pk).update(endorsement_count=5, comment_count=1)
    Problem.objects.filter(pk=p2.pk).update(endorsement_count=1, comment_count=9)
    Problem.objects.filter(pk=p3.pk).update(endorsement_count=3, comment_count=0)
    return p1, p2, p3


def ids(response):
    assert response.status_code == 200, response.json()
    return [p["id"] for p in response.json()["results"]]


def test_lists_filter_sort_and_search(api, several, world):
    p1, p2, p3 = several
    assert ids(api.get(URL)) == [p3.pk, p2.pk, p1.pk]
    assert ids(api.get(URL, {"community": world.a.pk})) == [p2.pk, p1.pk]
    assert ids(api.get(URL, {"status": "discussing"})) == [p2.pk]
    assert ids(api.get(URL, {"category": "environment"})) == [p3.pk]
    assert ids(api.get(URL, {"tag": BeneficiaryTag.objects.get(name="一老").pk})) == [p1.pk]
    assert ids(api.get(URL, {"sort": "endorsed"})) == [p1.pk, p3.pk, p2.pk]
    assert ids(api.get(URL, {"sort": "discussed"})) == [p2.pk, p1.pk, p3.pk]
    assert ids(api.get(URL, {"q": "漏水"})) == [p1.pk]
    assert ids(api.get(URL, {"q": "菜园"})) == [p3.pk]
    assert ids(api.get(URL, {"q": "四点半"})) == [p2.pk]
    assert ids(api.get(URL, {"q": "菜园", "community": world.a.pk})) == []
    assert ids(api.get(URL, {"q": "老房子", "sort": "endorsed"})) == [p1.pk]


@pytest.mark.parametrize("params", [{"community": "abc"}, {"status": "lost"}, {"sort": "random"}, {"tag": "-1"}])
def test_a_bad_filter_is_a_400_not_a_500(api, params):
    r = api.get(URL, params)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert set(r.json()["fields"]) == set(params)


def test_the_list_shows_what_the_viewer_endorsed(api_as, several, bob):
    from problems import services

    p1, p2, _p3 = several
    services.endorsement_add(user=bob, problem_id=p1.pk)
    body = api_as(bob).get(URL).json()["results"]
    assert {p["id"]: p["endorsed"] for p in body}[p1.pk] is True
    assert {p["id"]: p["endorsed"] for p in body}[p2.pk] is False


def test_the_list_costs_the_same_few_queries_for_many_problems(
    api_as, alice, bob, world, django_assert_max_num_queries
):
    tags = list(BeneficiaryTag.objects.values_list("pk", flat=True)[:2])
    for i in range(25):
        make_problem(alice, world.a, title=f"问题 {i}", tag_ids=tags)
    client = api_as(bob)
    with django_assert_max_num_queries(8):
        r = client.get(URL, {"page_size": 25})
    assert len(r.json()["results"]) == 25


def test_detail_shows_history_photos_and_may_manage(api_as, problem, olivia, alice):
    r = api_as(olivia).get(f"{URL}{problem.pk}/")
    assert r.status_code == 200
    assert r.json()["may_manage"] is True
    assert api_as(alice).get(f"{URL}{problem.pk}/").json()["may_manage"] is False
    assert api_as(None).get(f"{URL}{problem.pk + 100}/").status_code == 404


def test_the_schema_describes_the_problem_endpoints(api):
    r = api.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in [
        "/api/problems/",
        "/api/problems/{problem_id}/",
        "/api/problems/{problem_id}/status/",
        "/api/problems/{problem_id}/endorsement/",
        "/api/problems/{problem_id}/comments/",
        "/api/problem-comments/{comment_id}/hide/",
        "/api/communities/{community_id}/problem-ballots/",
    ]:
        assert p in paths
    assert "403" in paths["/api/problems/{problem_id}/status/"]["post"]["responses"]


def test_postgresql_search_matches_words_in_any_order(api, alice, world):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("word search needs PostgreSQL full-text search; SQLite matches substrings")
    hit = make_problem(alice, world.a, title="Broken playground slide", description="The slide near block 3 is cracked")
    make_problem(alice, world.a, title="Leaking roof", description="Water comes in on the top floor")
    assert ids(api.get(URL, {"q": "playground broken"})) == [hit.pk]
    assert ids(api.get(URL, {"q": "cracked slide"})) == [hit.pk]


def test_stored_photos_lose_their_metadata_and_are_sized_for_the_web(api_as, alice, world, settings):
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x010E] = "3 幢 502 室门口"
    buf = io.BytesIO()
    Image.new("RGB", (3000, 1500), (10, 90, 200)).save(buf, "JPEG", exif=exif)
    with Image.open(io.BytesIO(buf.getvalue())) as original:
        assert original.getexif()[0x010F] == "PhoneMaker"
    data = form(world.a)
    data["photos"] = [SimpleUploadedFile("big.jpg", buf.getvalue(), content_type="image/jpeg")]
    r = api_as(alice).post(URL, data, format="multipart")
    assert r.status_code == 201, r.json()
    photo = ProblemPhoto.objects.get()
    assert (photo.width, photo.height) == (2560, 1280)
    with photo.image.open("rb") as f, Image.open(f) as stored:
        assert stored.size == (2560, 1280)
        assert dict(stored.getexif()) == {}
    assert photo.size_bytes == photo.image.size
