"""`manage.py import_dossiers FILE [--dry-run]`: historical dossiers from the previous software."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dossiers.importing import HEADER_ALIASES, REQUIRED_COLUMNS, dossiers_import
from dossiers.models import Status
from motcua.models import AdministrativeUnit
from motcua.tabular import TabularError, read_rows


class Command(BaseCommand):
    help = (
        "Import dossiers from the previous software, closed and still open, from a CSV or XLSX file with a header "
        "row (code, unit_code, procedure_code, channel, received_at, due_at, resolved_at, returned_at, …; for an "
        "open dossier also status, paused_at, resumed_at, agency, officer). All rows or none; --dry-run only checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file with a header row")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing")
        parser.add_argument("--unit", help="Code of the unit whose history this is: rows of units outside it are refused")

    def handle(self, *args, file: str, dry_run: bool, unit: str | None = None, **options):
        within = None
        if unit:
            within = AdministrativeUnit.objects.by_key(unit)  # in force with that code (and what it took over)
            if within is None:
                raise CommandError(_("Unit %(code)s does not exist.") % {"code": unit})
        try:
            rows = read_rows(file, required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except TabularError as exc:
            raise CommandError(str(exc)) from None
        report = dossiers_import(rows=rows, dry_run=dry_run, within=within)
        if not report.ok:
            for message in report.errors:
                self.stderr.write(message)
            raise CommandError(_("Nothing was imported: %(count)s row(s) have errors.") % {"count": len(report.errors)})
        labels = dict(Status.choices)
        statuses = ", ".join(f"{labels[status]}: {count}" for status, count in report.statuses.most_common())
        if dry_run:
            message = _("Dry run: %(count)s dossier(s) checked without error (%(statuses)s); nothing was written.")
        else:
            message = _("Dossiers imported: %(count)s (%(statuses)s).")
        self.stdout.write(self.style.SUCCESS(message % {"count": report.rows, "statuses": statuses or "-"}))
        self.stdout.write(
            _("Due moments computed from the procedure's terms: %(computed)s. Time taken: %(seconds)s s.")
            % {"computed": report.due_computed, "seconds": f"{report.seconds:.1f}"}
        )
        if report.handed_over and not dry_run:
            self.stdout.write(
                _("Open dossiers of units that have ended, handed over to the units that took them over: %(count)s.")
                % {"count": report.handed_over}
            )
