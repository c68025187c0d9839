from django.core.management.base import BaseCommand, CommandError

from funding.ledger import ledger_verify


class Command(BaseCommand):
    help = "Check the money ledger's hash chain and balances; name the first broken entry."

    def handle(self, *args, **options):
        result = ledger_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"ledger intact: {result.checked} entries verified"))
            return
        raise CommandError(
            f"ledger broken at entry seq={result.broken_seq} id={result.broken_id}: {result.reason} "
            f"({result.checked} entries verified before it)"
        )
