"""The money ledger (资金台账): double-entry, append-only, hash-chained.

Every movement of money is one `LedgerEntry` whose lines balance (debits = credits). Each entry's
hash covers its content and the previous entry's hash, so editing or deleting any row breaks the
chain from that row on and `ledger_verify` names it. Accounts are plain strings:

- `external:donors` — money that came from (or went back to) donors;
- `external:funders` — budgets promised by pool funders;
- `external:payees` — money paid out to suppliers (disbursements);
- `external:platform` — money the platform adds (the fee of a fully refunded payment);
- `expense:fees` — processor fees;
- `campaign:<id>:donations` — donations held for a campaign;
- `campaign:<id>:matched` — matches committed to a campaign;
- `pool:<id>:available` / `pool:<id>:reserved` — a pool's free and reserved budget.

Balances are debits minus credits, so asset-like accounts (campaign, pool) are positive.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from .models import LedgerEntry, LedgerHead, LedgerLine

GENESIS_HASH = "0" * 64


def campaign_donations(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:donations"


def campaign_matched(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:matched"


def pool_available(pool_id: int) -> str:
    return f"pool:{pool_id}:available"


def pool_reserved(pool_id: int) -> str:
    return f"pool:{pool_id}:reserved"


DONORS = "external:donors"
FUNDERS = "external:funders"
PAYEES = "external:payees"
FEES = "expense:fees"
PLATFORM = "external:platform"


@dataclass(frozen=True)
class Line:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0


def transfer(*, debit: str, credit: str, amount_fen: int) -> list[Line]:
    """The common two-line entry: move `amount_fen` from `credit` to `debit`."""
    return [Line(debit, debit_fen=amount_fen), Line(credit, credit_fen=amount_fen)]


def _entry_hash(fields: dict[str, Any], lines: Iterable[tuple[str, int, int]], prev_hash: str) -> str:
    content = {**fields, "lines": [list(line) for line in lines], "prev_hash": prev_hash}
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _hashed_fields(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "currency": entry.currency,
        "campaign_id": entry.campaign_id,
        "pool_id": entry.pool_id,
        "fund_id": entry.fund_id,
        "pledge_id": entry.pledge_id,
        "reference": entry.reference,
        "memo": entry.memo,
        "reverses_id": entry.reverses_id,
    }


def lock_chain() -> LedgerHead:
    """Lock the chain head for the rest of the transaction.

    Lock order for money writes, so PostgreSQL never deadlocks: payment and refund rows first
    (and the review app's application and funded-item rows, which nothing locks after the head),
    then the chain head, then everything else (pledges and needs, pool approvals, pools). A
    service that will append to the ledger and also lock other rows calls this first.
    """
    head, _created = LedgerHead.objects.select_for_update().get_or_create(pk=1)
    return head


def ledger_post(
    *,
    kind: str,
    lines: list[Line],
    currency: str = "cny",
    campaign_id: int | None = None,
    pool_id: int | None = None,
    fund_id: int | None = None,
    pledge_id: int | None = None,
    reference: str = "",
    memo: str = "",
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append one balanced entry to the chain.

    Runs inside the caller's transaction (or its own): it locks the chain head row, so concurrent
    appends are serialised and the entry is part of the same commit as the change it records.
    """
    if kind not in LedgerEntry.Kind.values:
        raise ApplicationError(_("未知的台账分录类型。"))
    if len(lines) < 2:
        raise ApplicationError(_("一笔分录至少要有借贷两方。"))
    for line in lines:
        if (line.debit_fen > 0) == (line.credit_fen > 0) or line.debit_fen < 0 or line.credit_fen < 0:
            raise ApplicationError(_("每行分录必须只记借方或贷方的正数金额。"))
    if sum(line.debit_fen for line in lines) != sum(line.credit_fen for line in lines):
        raise ApplicationError(_("分录借贷不平衡。"))

    with transaction.atomic():
        head = lock_chain()
        entry = LedgerEntry(
            seq=head.last_seq + 1,
            kind=kind,
            occurred_at=timezone.now(),
            currency=currency,
            campaign_id=campaign_id,
            pool_id=pool_id,
            fund_id=fund_id,
            pledge_id=pledge_id,
            reference=reference[:100],
            memo=memo[:300],
            reverses=reverses,
            prev_hash=head.last_hash or GENESIS_HASH,
        )
        entry.hash = _entry_hash(
            _hashed_fields(entry), [(ln.account, ln.debit_fen, ln.credit_fen) for ln in lines], entry.prev_hash
        )
        entry.save()
        LedgerLine.objects.bulk_create(
            LedgerLine(entry=entry, position=i, account=ln.account, debit_fen=ln.debit_fen, credit_fen=ln.credit_fen)
            for i, ln in enumerate(lines)
        )
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def ledger_reverse(*, entry_id: int, memo: str) -> LedgerEntry:
    """Correct an entry by appending its mirror image (冲正); the original stays as it was."""
    with transaction.atomic():
        original = LedgerEntry.objects.prefetch_related("lines").filter(pk=entry_id).first()
        if original is None:
            raise ApplicationError(_("找不到这笔分录。"))
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise ApplicationError(_("这笔分录已经冲正过了。"))
        lines = [Line(ln.account, debit_fen=ln.credit_fen, credit_fen=ln.debit_fen) for ln in original.lines.all()]
        return ledger_post(
            kind=LedgerEntry.Kind.REVERSAL,
            lines=lines,
            currency=original.currency,
            campaign_id=original.campaign_id,
            pool_id=original.pool_id,
            fund_id=original.fund_id,
            pledge_id=original.pledge_id,
            reference=original.reference,
            memo=memo,
            reverses=original,
        )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_seq": self.broken_seq,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


def ledger_verify(*, batch: int = 2000) -> VerifyResult:
    """Walk the chain and report the first entry whose hash, link, numbering or balance is wrong."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_id = 0
    while True:
        entries = list(LedgerEntry.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not entries:
            break
        lines_by_entry: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
        for entry_id, account, debit, credit in (
            LedgerLine.objects.filter(entry_id__in=[e.pk for e in entries])
            .order_by("entry_id", "position")
            .values_list("entry_id", "account", "debit_fen", "credit_fen")
        ):
            lines_by_entry[entry_id].append((account, debit, credit))
        for entry in sorted(entries, key=lambda e: e.seq):
            lines = lines_by_entry.get(entry.pk, [])
            problem = ""
            if entry.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, entry.pk, _("分录编号不连续（缺失或被删除）。"))
            if entry.prev_hash != prev_hash:
                problem = _("与上一笔分录的链接不符。")
            elif len(lines) < 2 or sum(d for _a, d, _c in lines) != sum(c for _a, _d, c in lines):
                problem = _("借贷不平衡。")
            elif _entry_hash(_hashed_fields(entry), lines, entry.prev_hash) != entry.hash:
                problem = _("内容与哈希不符（被改动过）。")
            if problem:
                return VerifyResult(False, checked, entry.seq, entry.pk, problem)
            prev_hash = entry.hash
            expected_seq += 1
            checked += 1
        last_id = entries[-1].pk
    head = LedgerHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != checked:
        return VerifyResult(False, checked, checked + 1, None, _("链尾分录缺失。"))
    return VerifyResult(True, checked)


def account_balances(*, prefix: str) -> dict[str, int]:
    """Balance (debits − credits) of every account starting with `prefix`."""
    rows = (
        LedgerLine.objects.filter(account__startswith=prefix)
        .values("account")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    )
    return {r["account"]: (r["debit"] or 0) - (r["credit"] or 0) for r in rows}


def balance_of(account: str) -> int:
    totals = LedgerLine.objects.filter(account=account).aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    return (totals["debit"] or 0) - (totals["credit"] or 0)


def campaign_matched_balance(*, campaign_id: int, pool_id: int | None = None) -> int:
    """What committed matches left in a campaign's account, less releases and disbursements;
    with `pool_id`, only entries booked against that pool (the review app books its
    disbursements per pool)."""
    qs = LedgerLine.objects.filter(account=campaign_matched(campaign_id))
    if pool_id is not None:
        qs = qs.filter(entry__pool_id=pool_id, entry__campaign_id=campaign_id)
    totals = qs.aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    return (totals["debit"] or 0) - (totals["credit"] or 0)


def entries_touching(*, campaign_id: int | None = None, fund_id: int | None = None):
    """Entries of one campaign or one fund's pools, with their lines, oldest first."""
    qs = LedgerEntry.objects.select_related("pool").prefetch_related("lines")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if fund_id is not None:
        qs = qs.filter(Q(fund_id=fund_id) | Q(pool__fund_id=fund_id))
    return qs.order_by("seq")
