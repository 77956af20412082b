from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from motcua.demo import DEMO_PASSWORD, demo_user_table


class Command(BaseCommand):
    help = (
        "Load the demo: Tứ Kỳ district, its 23 communes and towns, agencies, one user per role, and what "
        "each app adds (its `demo.demo_seed()`, in INSTALLED_APPS order). Idempotent."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        # Each app seeds its own demo data; motcua does not import the apps built on it.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(config.name) and find_spec(module_name):
                summary = import_module(module_name).demo_seed()
                self.stdout.write(self.style.SUCCESS(f"{config.label}: {summary}"))
        self.stdout.write(f"Demo users (password for all, demo only: {DEMO_PASSWORD}):")
        for user in demo_user_table():
            self.stdout.write(f"  {user.username:<20} {user.role:<16} {user.unit_code}")
