"""`manage.py recount_ballot <id>`: count a ballot's stored papers again and compare with the
stored result. Exit code 0 when they agree, 1 when they differ (the differences are printed)."""

import json

from django.core.management.base import BaseCommand, CommandError

from voting import selectors
from voting.models import Ballot


class Command(BaseCommand):
    help = "Recount a ballot from its stored papers and compare with the stored result."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ballot_id", type=int)

    def handle(self, *args, ballot_id: int, **options) -> None:
        ballot = Ballot.objects.prefetch_related("options").filter(pk=ballot_id).first()
        if ballot is None:
            raise CommandError(f"ballot {ballot_id} does not exist")
        stored = selectors.ballot_result(ballot=ballot)
        if not stored:
            raise CommandError(f"ballot {ballot_id} has no stored result yet (status {ballot.status})")
        recounted = selectors.ballot_compute_result(ballot=ballot)
        if recounted == stored:
            self.stdout.write(f"ballot {ballot_id}: recount matches the stored result ({recounted['ballots']} papers)")
            return
        differing = sorted(k for k in set(stored) | set(recounted) if stored.get(k) != recounted.get(k))
        for key in differing:
            self.stderr.write(
                f"{key}: stored {json.dumps(stored.get(key), ensure_ascii=False)} "
                f"recounted {json.dumps(recounted.get(key), ensure_ascii=False)}"
            )
        raise CommandError(f"ballot {ballot_id}: recount differs from the stored result in {', '.join(differing)}")
