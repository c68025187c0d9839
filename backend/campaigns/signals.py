"""Signals other apps listen to (funding captures or releases money on them).

Both are sent after the change has committed, never inside a transaction.
"""

from django.dispatch import Signal

# sender=Campaign, campaign_id=int, outcome="succeeded" | "failed"
campaign_closed = Signal()

# sender=Campaign, campaign_id=int — a live campaign was cancelled: release any held money.
campaign_cancelled = Signal()
