from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from motcua.demo import DEFAULT_TREE, DEMO_PASSWORD, TREES, demo_tree_refusal, demo_user_table


class Command(BaseCommand):
    help = (
        "Load the demo: Tứ Kỳ district, its 23 communes and towns, agencies, one user per role, and what "
        "each app adds (its `demo.demo_seed(tree=…)`, in INSTALLED_APPS order). With --tree 2025, the same "
        "units with their history up to Thành phố Hải Phòng and its six communes (from 01/07/2025), and "
        "dossiers across the three periods. Idempotent; one database holds one tree."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tree", choices=TREES, default=DEFAULT_TREE,
            help="2023: province → district → commune as in 2023 (default). 2025: the unit history "
                 "(2024-12 mergers, then province → commune from 01/07/2025).",
        )

    @transaction.atomic
    def handle(self, *args, tree: str = DEFAULT_TREE, **options):
        refusal = demo_tree_refusal(tree)
        if refusal:
            raise CommandError(refusal)
        # Each app seeds its own demo data; motcua does not import the apps built on it.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(config.name) and find_spec(module_name):
                summary = import_module(module_name).demo_seed(tree=tree)
                self.stdout.write(self.style.SUCCESS(f"{config.label}: {summary}"))
        # Tens of thousands of rows just bulk-loaded: give the planner their statistics now, or its first
        # joins over them (a data check, a report) guess "empty table" and loop row by row for minutes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Demo users (password for all, demo only: {DEMO_PASSWORD}):")
        for user in demo_user_table(tree):
            self.stdout.write(f"  {user.username:<20} {user.role:<16} {user.unit_code}")
