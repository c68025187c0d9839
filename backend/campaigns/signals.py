"""Signals other apps listen to (funding captures or releases money on them).

All are sent after the change has committed, never inside a transaction.
"""

from django.dispatch import Signal

# sender=Campaign, campaign_id=int, outcome="succeeded" | "failed"
campaign_closed = Signal()

# sender=Campaign, campaign_id=int — a live campaign was cancelled: release any held money.
campaign_cancelled = Signal()

# sender=Pledge, pledge_id=int, campaign_id=int — an organiser recorded cash with evidence
# (线下捐款); the pledge counts as paid, so matching pools may add to it.
offline_pledge_recorded = Signal()

# sender=Pledge, pledge_id=int, campaign_id=int — recorded cash left the counts (rejected,
# cancelled or refunded): matches added to it go back to their pools.
offline_pledge_withdrawn = Signal()
