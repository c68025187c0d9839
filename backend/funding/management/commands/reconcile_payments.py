from django.core.management.base import BaseCommand, CommandError

from funding.reconcile import reconcile


class Command(BaseCommand):
    help = "Compare our payments and ledger with Stripe's records (through the SDK) and list differences."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, default=None)

    def handle(self, *args, campaign: int | None, **options):
        report = reconcile(campaign_id=campaign)
        for diff in report.differences:
            self.stdout.write(f"payment {diff.payment_id}: {diff.field} ours={diff.ours} stripe={diff.theirs}")
        if report.differences:
            raise CommandError(f"{len(report.differences)} differences in {report.checked} payments")
        self.stdout.write(self.style.SUCCESS(f"{report.checked} payments match Stripe"))
