from django.core.management.base import BaseCommand

from core.demo import seed_demo


class Command(BaseCommand):
    help = "Load the demo data (only into an empty database)."

    def handle(self, *args, **options):
        if seed_demo():
            self.stdout.write(self.style.SUCCESS("demo data loaded"))
        else:
            self.stdout.write("demo data already present; nothing changed")
