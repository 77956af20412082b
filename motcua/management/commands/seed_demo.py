from django.core.management.base import BaseCommand

from motcua.demo import DEMO_PASSWORD, demo_seed, demo_user_table


class Command(BaseCommand):
    help = "Load the demo: Tứ Kỳ district, its 23 communes and towns, agencies and one user per role (idempotent)."

    def handle(self, *args, **options):
        counts = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {counts['units']} units, {counts['agencies']} agencies, "
                f"{counts['users_created']} new users."
            )
        )
        self.stdout.write(f"Demo users (password for all, demo only: {DEMO_PASSWORD}):")
        for user in demo_user_table():
            self.stdout.write(f"  {user.username:<20} {user.role:<16} {user.unit_code}")
