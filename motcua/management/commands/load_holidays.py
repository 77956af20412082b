from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from motcua.services import holidays_preload


class Command(BaseCommand):
    help = "Load Vietnam's public holidays and make-up working days for a range of years (keeps edited rows)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first_year", type=int, default=2020)
        parser.add_argument("--to", dest="last_year", type=int, default=2030)

    def handle(self, *args, first_year: int, last_year: int, **options):
        created = holidays_preload(first_year=first_year, last_year=last_year)
        self.stdout.write(self.style.SUCCESS(_("%(count)s day(s) added to the calendar.") % {"count": created}))
