"""Pages: the reviewer's queue, application and item pages, the overview and audit export, the
organiser's forms."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from review.models import Application, FundedItem

from .conftest import PDF_BYTES, match_money, png_bytes, submit_item

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_queue_shows_the_funds_pending_work(
    client, rita, olivia, call, application, world, django_assert_max_num_queries
):
    from tests.campaigns.conftest import make_campaign

    from .conftest import apply

    signed_in(client, rita)
    with django_assert_max_num_queries(20):
        r = client.get("/review/")
    body = r.content.decode()
    assert r.status_code == 200 and application.campaign.title in body and "基金评审" in body
    for i in range(3):
        apply(olivia, call, make_campaign(olivia, world.a, title=f"更多行动{i}"))
    with django_assert_max_num_queries(20):
        assert "更多行动2" in client.get("/review/").content.decode()


def test_a_reviewer_of_another_fund_cannot_open_this_funds_queue(client, yvonne, application, world):
    r = signed_in(client, yvonne).get(f"/review/?fund={world.fund_x.pk}")
    assert r.status_code == 403
    assert signed_in(client, yvonne).get(f"/review/funds/{world.fund_x.pk}/").status_code == 403
    assert signed_in(client, yvonne).get(f"/review/applications/{application.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["alice", "olivia", "charlie"])
def test_non_reviewers_have_no_queue(who, request, client):
    assert signed_in(client, request.getfixturevalue(who)).get("/review/").status_code == 403


def test_the_queue_page_needs_a_sign_in(client):
    r = client.get("/review/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_a_reviewer_approves_on_the_application_page(client, rita, application):
    r = signed_in(client, rita).post(
        f"/review/applications/{application.pk}/",
        {"form": "decide", "decision": "approve", "conditions": "按月报告", "cap_yuan": "5000.00"},
    )
    assert r.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED and application.approved_cap_fen == 500_000


def test_a_refusal_is_shown_inline(client, rita, application):
    r = signed_in(client, rita).post(
        f"/review/applications/{application.pk}/", {"form": "decide", "decision": "reject", "reason": ""}
    )
    assert r.status_code == 400 and "请写明理由" in r.content.decode()


def test_the_organiser_applies_on_a_page(client, olivia, call, campaign):
    page = signed_in(client, olivia).get(f"/review/campaigns/{campaign.pk}/")
    assert page.status_code == 200 and call.title in page.content.decode()
    r = client.post(
        f"/review/campaigns/{campaign.pk}/apply/{call.pk}/",
        {"ask_yuan": "8000", "statement": "买花盆和土", "answer_0": "老人有了去处"},
    )
    assert r.status_code == 302
    assert Application.objects.get().ask_fen == 800_000


def test_an_organiser_of_another_community_cannot_open_the_funding_page(client, oscar, campaign, call):
    assert signed_in(client, oscar).get(f"/review/campaigns/{campaign.pk}/").status_code == 403
    assert client.get(f"/review/campaigns/{campaign.pk}/apply/{call.pk}/").status_code == 403


def test_the_organiser_submits_an_item_with_receipts_on_a_page(client, olivia, approved, needs):
    r = signed_in(client, olivia).post(
        f"/review/applications/{approved.pk}/items/new/",
        {
            "need": needs["money"].pk,
            "description": "花盆 50 个",
            "amount_yuan": "300.00",
            "payee": "鄞州园艺店",
            "spent_on": "2026-11-01",
            "receipts": [SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("b.pdf", PDF_BYTES)],
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    item = FundedItem.objects.get()
    assert item.amount_fen == 30_000 and item.receipts.count() == 2


def test_a_disguised_receipt_is_refused_on_the_page(client, olivia, approved, needs):
    r = signed_in(client, olivia).post(
        f"/review/applications/{approved.pk}/items/new/",
        {
            "need": needs["money"].pk,
            "description": "花盆",
            "amount_yuan": "300",
            "payee": "园艺店",
            "spent_on": "2026-11-01",
            "receipts": [SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00")],
        },
    )
    assert r.status_code == 400 and "票据只支持" in r.content.decode()
    assert not FundedItem.objects.exists()


def test_item_page_review_and_disbursement(client, olivia, rita, luo, approved, needs, campaign):
    item = submit_item(olivia, approved, needs["money"], [SimpleUploadedFile("r.png", png_bytes())])
    match_money(campaign, 100_000)
    page = signed_in(client, rita).get(f"/review/items/{item.pk}/")
    assert page.status_code == 200 and "作出审核决定" in page.content.decode()
    assert client.post(f"/review/items/{item.pk}/", {"form": "decide", "decision": "approve"}).status_code == 302
    refused = client.post(f"/review/items/{item.pk}/", {"form": "disburse", "transfer_reference": "TX"})
    assert refused.status_code == 403 and "批准人不能再登记拨付" in refused.content.decode()
    r = signed_in(client, luo).post(f"/review/items/{item.pk}/", {"form": "disburse", "transfer_reference": "TX"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == "disbursed"
    receipt = item.receipts.get()
    assert client.get(f"/review/receipts/{receipt.pk}/").status_code == 200


def test_overview_and_audit_export(client, rita, luo, olivia, approved, needs, campaign, world):
    item = submit_item(olivia, approved, needs["money"], [SimpleUploadedFile("r.png", png_bytes())])
    match_money(campaign, 100_000)
    from review import services

    services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    services.item_disburse(actor=luo, item_id=item.pk, transfer_reference="TX-7")
    page = signed_in(client, rita).get(f"/review/funds/{world.fund_x.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "300.00" in body and "1,000.00" in body and "<svg" in body
    csv = client.get(f"/review/funds/{world.fund_x.pk}/audit.csv")
    text = csv.content.decode("utf-8-sig")
    assert "最近的审计记录" in body
    assert csv.status_code == 200 and "登记拨付" in text and "TX-7" in text and "批准申请" in text


def test_milestones_on_the_public_page(client, olivia, oscar, campaign, needs):
    r = signed_in(client, olivia).post(
        f"/campaigns/{campaign.pk}/accountability/",
        {"form": "milestone", "title": "花园完工", "need": needs["resource"].pk},
    )
    assert r.status_code == 302
    milestone = campaign.milestones.get()
    r = client.post(
        f"/campaigns/{campaign.pk}/accountability/",
        {
            "form": "report",
            "milestone": milestone.pk,
            "percent_done": 40,
            "body": "种好了第一片",
            "photos": [SimpleUploadedFile("p.png", png_bytes())],
        },
    )
    assert r.status_code == 302
    milestone.refresh_from_db()
    assert milestone.percent_done == 40 and milestone.updates.get().photos.count() == 1
    public = client.get(f"/campaigns/{campaign.pk}/accountability/")
    assert "种好了第一片" in public.content.decode()
    refused = signed_in(client, oscar).post(
        f"/campaigns/{campaign.pk}/accountability/", {"form": "milestone", "title": "冒名"}
    )
    assert refused.status_code == 403 and campaign.milestones.count() == 1


def test_pages_speak_english_to_english_readers(client, rita, application):
    rita.preferred_language = "en"
    rita.save()
    r = signed_in(client, rita).get("/review/", HTTP_ACCEPT_LANGUAGE="en")
    body = r.content.decode()
    assert "Applications to review" in body and "Matching application" in body


def test_the_campaign_funding_page_does_not_query_per_application(
    client, olivia, rita, call, campaign, world, django_assert_max_num_queries
):
    from review import services

    from .conftest import apply, make_pool

    apply(olivia, call, campaign)
    for i in range(3):
        extra = services.call_create(
            actor=rita, pool=make_pool(rita, world.fund_x, name=f"池{i}"), title=f"指南{i}", questions=["问"]
        )
        apply(olivia, extra, campaign)
    signed_in(client, olivia)
    with django_assert_max_num_queries(25):
        r = client.get(f"/review/campaigns/{campaign.pk}/")
    assert r.status_code == 200 and "指南2" in r.content.decode()


def test_organisers_list_their_campaigns_funding(
    client, olivia, oscar, alice, application, django_assert_max_num_queries
):
    signed_in(client, olivia)
    with django_assert_max_num_queries(15):
        r = client.get("/review/campaigns/")
    assert r.status_code == 200 and application.campaign.title in r.content.decode()
    assert application.campaign.title not in signed_in(client, oscar).get("/review/campaigns/").content.decode()
    assert signed_in(client, alice).get("/review/campaigns/").status_code == 403


def approved_item(olivia, rita, approved, needs, campaign):
    from review import services

    item = submit_item(olivia, approved, needs["money"], [SimpleUploadedFile("r.png", png_bytes())])
    match_money(campaign, 100_000)
    services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    return item


def test_the_approver_is_not_offered_the_disbursement_form(client, olivia, rita, luo, approved, needs, campaign):
    item = approved_item(olivia, rita, approved, needs, campaign)
    body = signed_in(client, rita).get(f"/review/items/{item.pk}/").content.decode()
    assert 'value="disburse"' not in body and "确认拨付" not in body
    assert 'id="disburse-note"' in body and "您已批准这笔支出" in body and "罗评审" in body
    body = signed_in(client, luo).get(f"/review/items/{item.pk}/").content.decode()
    assert 'value="disburse"' in body and "确认拨付" in body and 'id="disburse-note"' not in body


def test_the_submitter_is_told_another_reviewer_records_the_payment(
    client, olivia, rita, luo, approved, needs, campaign
):
    from review import selectors

    item = approved_item(olivia, rita, approved, needs, campaign)
    FundedItem.objects.filter(pk=item.pk).update(submitted_by=luo)
    item.refresh_from_db()
    assert selectors.item_disburse_conflict(user=luo, item=item) == "submitter"
    assert selectors.item_disburse_conflict(user=rita, item=item) == "approver"
    assert selectors.item_disbursers(item=item) == []
    body = signed_in(client, luo).get(f"/review/items/{item.pk}/").content.decode()
    assert "确认拨付" not in body and "这笔支出是您提交的" in body and "没有其他可以登记的评审" in body
    refused = client.post(f"/review/items/{item.pk}/", {"form": "disburse", "transfer_reference": "TX"})
    assert refused.status_code == 403 and "提交人不能登记自己申请的拨付" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == "approved"


def test_the_accountability_title_holds_no_form_and_links_back(client, olivia, campaign):
    from review import services

    services.milestone_create(actor=olivia, campaign_id=campaign.pk, title="开工")
    body = signed_in(client, olivia).get(f"/campaigns/{campaign.pk}/accountability/").content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<form" not in title and "公开问责" in title
    assert body.count('name="form" value="report"') == 1 and body.count('name="form" value="milestone"') == 1
    assert f'href="/campaigns/{campaign.pk}/"' in body
    client.logout()
    public = client.get(f"/campaigns/{campaign.pk}/accountability/").content.decode()
    assert f'href="/campaigns/{campaign.pk}/"' in public and 'value="milestone"' not in public


def test_choice_fields_are_fieldsets_with_labelled_choices(client, olivia, rita, application):
    body = signed_in(client, rita).get(f"/review/applications/{application.pk}/").content.decode()
    assert "<fieldset" in body and "<legend>评审决定" in body
    assert 'for="id_decision_0"' in body and 'for=""' not in body
    r = client.post(f"/review/applications/{application.pk}/", {"form": "decide", "reason": "x"})
    body = r.content.decode()
    assert r.status_code == 400
    assert 'aria-describedby="id_decision_error"' in body and 'id="id_decision_error"' in body
    assert 'aria-describedby="id_reason_helptext"' in body and 'id="id_reason_helptext"' in body


def test_labels_keep_their_colon_inside_the_translation(client, olivia, rita, luo, approved, needs, campaign):
    item = approved_item(olivia, rita, approved, needs, campaign)
    luo.preferred_language = "en"
    luo.save()
    body = signed_in(client, luo).get(f"/review/items/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Amount: </strong>" in body and "Payee: </strong>" in body
    assert "：" not in body.split("<main", 1)[1].split(item.description, 1)[1].split("<h2", 1)[0]
