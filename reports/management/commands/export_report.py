import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit
from motcua.periods import PeriodError, parse_period
from reports.models import ReportFormat
from reports.services import ReportError, report_export


class Command(BaseCommand):
    help = (
        "Export a unit's report for a period (2023-Q1, 2023, 2023-H1, 2023-M9, 2022-12-15..2023-05-29, cal:2023-03) "
        "as JSON, Excel or PDF: the very same job a report run does, synchronously."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="The unit's code, e.g. 298")
        parser.add_argument("--period", required=True, help="e.g. 2023-Q1")
        parser.add_argument("--format", required=True, choices=ReportFormat.values, dest="fmt")
        parser.add_argument("--output", required=True, help="The file to write")
        parser.add_argument(
            "--narrative-file",
            help="A JSON object with the PDF's paragraphs: assessment, tasks, proposals, number, signer",
        )

    def handle(self, *args, unit: str, period: str, fmt: str, output: str, narrative_file: str | None, **options):
        try:
            window = parse_period(period)
        except PeriodError as exc:
            raise CommandError(_("Bad period %(period)s: %(error)s") % {"period": period, "error": exc}) from None
        # A code names the unit in force with it on the window's last day (codes are reused).
        found = AdministrativeUnit.objects.by_key(unit.strip(), on=window.last_day)
        if found is None:
            raise CommandError(_("Unknown unit: %(code)s") % {"code": unit})
        parameters = {}
        if narrative_file:
            try:
                narrative = json.loads(Path(narrative_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(_("Cannot read the narrative file: %(error)s") % {"error": exc}) from None
            if not isinstance(narrative, dict):
                raise CommandError(_("The narrative file must hold a JSON object."))
            parameters = {"narrative": narrative}
        try:
            content = report_export(unit=found, period=window, fmt=fmt, parameters=parameters)
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(file)s (%(size)s bytes): %(unit)s, %(period)s.")
                % {"file": path.resolve(), "size": f"{len(content):,}".replace(",", "."), "unit": found.name,
                   "period": window.label_vi()}
            )
        )
