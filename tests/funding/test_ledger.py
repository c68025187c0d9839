"""The ledger: balanced entries, a hash chain that names the first altered row, reversals."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import ApplicationError
from funding import ledger
from funding.models import LedgerEntry, LedgerLine

pytestmark = pytest.mark.django_db


def _donation(campaign_id=1, amount=1000):
    return ledger.ledger_post(
        kind=LedgerEntry.Kind.DONATION,
        lines=ledger.transfer(debit=ledger.campaign_donations(campaign_id), credit=ledger.DONORS, amount_fen=amount),
        campaign_id=campaign_id,
    )


def test_it_refuses_an_unbalanced_entry():
    with pytest.raises(ApplicationError):
        ledger.ledger_post(
            kind=LedgerEntry.Kind.DONATION,
            lines=[ledger.Line("a", debit_fen=100), ledger.Line("b", credit_fen=90)],
        )
    assert not LedgerEntry.objects.exists()


def test_it_refuses_a_line_with_both_sides_or_a_negative_amount():
    for bad in (ledger.Line("a", debit_fen=10, credit_fen=10), ledger.Line("a", debit_fen=-10)):
        with pytest.raises(ApplicationError):
            ledger.ledger_post(kind=LedgerEntry.Kind.FEE, lines=[bad, ledger.Line("b", credit_fen=10)])


def test_entries_chain_and_every_entry_balances():
    first = _donation(amount=1000)
    second = _donation(amount=250)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == ledger.GENESIS_HASH
    assert second.prev_hash == first.hash
    for entry in LedgerEntry.objects.prefetch_related("lines"):
        lines = list(entry.lines.all())
        assert sum(x.debit_fen for x in lines) == sum(x.credit_fen for x in lines) > 0
    assert ledger.ledger_verify().ok
    assert ledger.balance_of(ledger.campaign_donations(1)) == 1250
    assert ledger.balance_of(ledger.DONORS) == -1250


def test_altering_one_amount_makes_verify_ledger_name_that_row():
    _donation(amount=1000)
    middle = _donation(amount=500)
    _donation(amount=200)
    LedgerLine.objects.filter(entry=middle, debit_fen__gt=0).update(debit_fen=5000)
    LedgerLine.objects.filter(entry=middle, credit_fen__gt=0).update(credit_fen=5000)  # still balances
    result = ledger.ledger_verify()
    assert not result.ok
    assert (result.broken_seq, result.broken_id) == (middle.seq, middle.pk)
    with pytest.raises(CommandError, match=f"seq={middle.seq} id={middle.pk}"):
        call_command("verify_ledger")


def test_deleting_an_entry_is_detected():
    _donation()
    gone = _donation()
    _donation()
    LedgerLine.objects.filter(entry=gone).delete()
    LedgerEntry.objects.filter(pk=gone.pk).delete()
    result = ledger.ledger_verify()
    assert not result.ok and result.broken_seq == gone.seq


def test_removing_the_last_entry_is_detected():
    _donation()
    last = _donation()
    LedgerLine.objects.filter(entry=last).delete()
    LedgerEntry.objects.filter(pk=last.pk).delete()
    assert not ledger.ledger_verify().ok


def test_a_correction_is_a_reversing_entry_and_the_original_stays():
    original = _donation(amount=700)
    reversal = ledger.ledger_reverse(entry_id=original.pk, memo="录入错误")
    assert reversal.reverses_id == original.pk
    assert ledger.balance_of(ledger.campaign_donations(1)) == 0
    assert LedgerEntry.objects.filter(pk=original.pk).exists()
    with pytest.raises(ApplicationError):
        ledger.ledger_reverse(entry_id=original.pk, memo="again")
    assert ledger.ledger_verify().ok


def test_verify_ledger_command_reports_an_intact_chain(capsys):
    _donation()
    call_command("verify_ledger")
    assert "1 entries verified" in capsys.readouterr().out


def test_a_disbursement_never_pays_out_more_than_the_campaign_holds():
    from funding.services import disbursement_record

    _donation(campaign_id=5, amount=1_000)
    ledger.ledger_post(
        kind=LedgerEntry.Kind.MATCH_COMMITTED,
        lines=ledger.transfer(debit=ledger.campaign_matched(5), credit="pool:1:reserved", amount_fen=500),
        campaign_id=5,
    )
    with pytest.raises(ApplicationError):
        disbursement_record(campaign_id=5, amount_fen=1_501, reference="item:1")
    entry = disbursement_record(campaign_id=5, amount_fen=1_200, reference="item:1", memo="防水材料")
    assert sorted((x.account, x.debit_fen, x.credit_fen) for x in entry.lines.all()) == [
        (ledger.campaign_donations(5), 0, 1_000),
        (ledger.campaign_matched(5), 0, 200),
        (ledger.PAYEES, 1_200, 0),
    ]
    with pytest.raises(ApplicationError):
        disbursement_record(campaign_id=5, amount_fen=301, reference="item:2")
    assert ledger.ledger_verify().ok
