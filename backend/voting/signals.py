"""Signals other apps listen to. Sent after the change has committed, never inside a transaction.
Voting knows nothing of who listens: problems hears of a published ballot that decides them."""

from django.dispatch import Signal

# sender=Ballot, ballot_id=int — the results were published (公布结果).
ballot_published = Signal()
