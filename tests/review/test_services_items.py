"""Funded items: receipts checked by content, lifecycle, separation of duties, two approvals,
disbursement against the ledger balance."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import FundReviewer
from accounts.permissions import forget_roles
from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from funding import ledger
from funding.models import LedgerEntry
from review import selectors, services
from review.models import FundedItem, Receipt

from .conftest import PDF_BYTES, match_money, private_files, submit_item

pytestmark = pytest.mark.django_db


def test_it_stores_receipts_privately_and_named_by_their_content(approved, olivia, needs, png, pdf, settings):
    item = submit_item(olivia, approved, needs["money"], [png(), pdf("发票.pdf")])
    assert item.status == FundedItem.Status.SUBMITTED
    receipts = list(item.receipts.order_by("pk"))
    assert [r.content_type for r in receipts] == ["image/png", "application/pdf"]
    assert receipts[1].original_name == "发票.pdf" and receipts[1].file.name.endswith(".pdf")
    files = private_files(settings)
    assert len(files) == 2
    assert all(settings.MEDIA_ROOT not in f.parents for f in files)  # never under MEDIA_URL's root
    with pytest.raises(ValueError):
        receipts[0].file.url  # noqa: B018 - private files have no URL


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.txt", "买花盆的清单".encode(), content_type="text/plain"),
        SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"),
        SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"),
        SimpleUploadedFile("empty.png", b"", content_type="image/png"),
    ],
    ids=["wrong-type", "disguised-pdf", "disguised-image", "empty"],
)
def test_it_refuses_files_that_are_not_images_or_pdfs(upload, approved, olivia, needs, png, settings):
    with pytest.raises(ApplicationError) as exc:
        submit_item(olivia, approved, needs["money"], [png(), upload])
    assert "receipts" in exc.value.fields
    assert not FundedItem.objects.exists() and not Receipt.objects.exists()
    assert private_files(settings) == []


def test_it_refuses_oversized_files(approved, olivia, needs, settings):
    settings.REVIEW_RECEIPT_MAX_BYTES = 40
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"x" * 100, content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        submit_item(olivia, approved, needs["money"], [big])
    assert "MB" in exc.value.fields["receipts"][0]
    assert not FundedItem.objects.exists() and private_files(settings) == []


def test_it_requires_a_receipt(approved, olivia, needs):
    with pytest.raises(ApplicationError):
        submit_item(olivia, approved, needs["money"], [])


def test_nothing_is_left_on_disk_when_the_transaction_fails(approved, olivia, needs, png, settings, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_audit", boom)
    with pytest.raises(RuntimeError):
        submit_item(olivia, approved, needs["money"], [png(), png()])
    assert not FundedItem.objects.exists() and private_files(settings) == []


@pytest.mark.parametrize("who", ["oscar", "alice", "rita", "charlie"])
def test_only_the_campaigns_organisers_may_submit_items(who, request, approved, needs, png):
    with pytest.raises(PermissionDenied):
        submit_item(request.getfixturevalue(who), approved, needs["money"], [png()])
    assert not FundedItem.objects.exists()


def test_items_need_an_approved_application(application, olivia, needs, png):
    with pytest.raises(Conflict):
        submit_item(olivia, application, needs["money"], [png()])


def test_the_need_must_belong_to_the_campaign(approved, olivia, png, world):
    from tests.campaigns.conftest import make_campaign

    other = make_campaign(olivia, world.a, title="另一个行动")
    with pytest.raises(ApplicationError) as exc:
        submit_item(olivia, approved, other.needs.first(), [png()])
    assert "need" in exc.value.fields


@pytest.fixture
def item(approved, olivia, needs, png):
    return submit_item(olivia, approved, needs["money"], [png()], amount_fen=30_000)


def test_submitter_cannot_approve_their_own_item(item, olivia, world):
    FundReviewer.objects.create(user=olivia, fund=world.fund_x)
    forget_roles(olivia)
    with pytest.raises(PermissionDenied) as exc:
        services.item_decide(actor=olivia, item_id=item.pk, decision="approve")
    assert exc.value.code == "separation_of_duties"


def test_a_reviewer_of_another_fund_cannot_see_or_act_on_the_item(item, yvonne):
    with pytest.raises(NotFound):
        selectors.item_access(user=yvonne, item_id=item.pk)
    with pytest.raises(NotFound):
        services.item_decide(actor=yvonne, item_id=item.pk, decision="approve")
    with pytest.raises(NotFound):
        selectors.receipt_access(user=yvonne, receipt_id=item.receipts.get().pk)


def test_above_the_threshold_two_different_approvals_are_needed(item, rita, luo, world):
    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=None, item_two_approvals_above_fen=10_000
    )
    assert services.item_decide(actor=rita, item_id=item.pk, decision="approve").status == "submitted"
    with pytest.raises(Conflict):
        services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    assert services.item_decide(actor=luo, item_id=item.pk, decision="approve").status == "approved"


def test_below_the_threshold_one_approval_is_enough(item, rita, world):
    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=None, item_two_approvals_above_fen=30_000
    )
    assert services.item_decide(actor=rita, item_id=item.pk, decision="approve").status == "approved"


def test_changes_requested_then_resubmitted_with_a_new_receipt(item, rita, olivia, needs, pdf):
    services.item_decide(actor=rita, item_id=item.pk, decision="request_changes", reason="发票看不清")
    with pytest.raises(Conflict):
        services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    item = services.item_resubmit(
        actor=olivia,
        item_id=item.pk,
        need_id=needs["money"].pk,
        description=item.description,
        amount_fen=29_000,
        payee=item.payee,
        spent_on=item.spent_on,
        receipts=[pdf()],
    )
    assert (item.status, item.round, item.amount_fen, item.receipts.count()) == ("submitted", 2, 29_000, 2)
    history = list(item_history(item))
    assert history == ["item_submitted", "item_request_changes", "item_resubmitted"]


def item_history(item):
    from review.models import AuditEvent

    return AuditEvent.objects.filter(object_type="fundeditem", object_id=item.pk).values_list("action", flat=True)


@pytest.fixture
def approved_item(item, rita, campaign):
    match_money(campaign, 100_000)  # the pool (1:1) matches 1,000 元 to the campaign
    return services.item_decide(actor=rita, item_id=item.pk, decision="approve")


def test_the_approver_cannot_record_the_disbursement(approved_item, rita):
    with pytest.raises(PermissionDenied) as exc:
        services.item_disburse(actor=rita, item_id=approved_item.pk, transfer_reference="TX-1")
    assert exc.value.code == "separation_of_duties"


def test_the_submitter_cannot_record_the_disbursement(approved_item, olivia, world):
    FundReviewer.objects.create(user=olivia, fund=world.fund_x)
    forget_roles(olivia)
    with pytest.raises(PermissionDenied):
        services.item_disburse(actor=olivia, item_id=approved_item.pk, transfer_reference="TX-1")


def test_a_disbursement_writes_a_balanced_ledger_entry(approved_item, luo, olivia, campaign, pool):
    before = selectors.campaign_pool_balance(campaign_id=campaign.pk, pool_id=pool.pk)
    assert before == 100_000
    item = services.item_disburse(actor=luo, item_id=approved_item.pk, transfer_reference="ICBC-20261129-001")
    assert item.status == FundedItem.Status.DISBURSED and item.disbursed_by == luo
    entry = LedgerEntry.objects.get(pk=item.ledger_entry_id)
    lines = list(entry.lines.all())
    assert entry.kind == "disbursement" and entry.reference == "ICBC-20261129-001"
    assert sum(ln.debit_fen for ln in lines) == sum(ln.credit_fen for ln in lines) == 30_000
    assert selectors.campaign_pool_balance(campaign_id=campaign.pk, pool_id=pool.pk) == 70_000
    assert ledger.balance_of(ledger.PAYEES) == 30_000
    assert ledger.ledger_verify().ok
    assert olivia.notifications.filter(kind="funded_item_disbursed").exists()
    with pytest.raises(Conflict):  # only once
        services.item_disburse(actor=luo, item_id=item.pk, transfer_reference="again")


def test_it_refuses_to_disburse_beyond_the_available_balance(item, rita, luo, campaign):
    match_money(campaign, 20_000)  # 200 元 matched; the item asks 300 元
    services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    with pytest.raises(Conflict) as exc:
        services.item_disburse(actor=luo, item_id=item.pk, transfer_reference="TX-9")
    assert exc.value.code == "insufficient_balance"
    item.refresh_from_db()
    assert item.status == FundedItem.Status.APPROVED
    assert not LedgerEntry.objects.filter(kind="disbursement").exists()


def test_a_reference_is_required(approved_item, luo):
    with pytest.raises(ApplicationError):
        services.item_disburse(actor=luo, item_id=approved_item.pk, transfer_reference="  ")
