from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit
from motcua.tabular import TabularError
from procedures.importing import procedures_import


class Command(BaseCommand):
    help = "Import procedures from a CSV or XLSX catalogue file (all rows or none); optionally post them at a unit."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--unit", help="Code of the unit that handles and posts these procedures")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report, change nothing")

    def handle(self, *args, file: str, unit: str | None, dry_run: bool, **options):
        target = None
        if unit:
            target = AdministrativeUnit.objects.filter(code=unit).first()
            if target is None:
                raise CommandError(_("Unit %(code)s does not exist.") % {"code": unit})
        try:
            with open(file, "rb") as handle:
                report = procedures_import(source=handle, filename=file, unit=target, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except TabularError as exc:
            raise CommandError(str(exc)) from None
        if not report.ok:
            for message in report.errors:
                self.stderr.write(message)
            raise CommandError(
                _("Nothing was imported: %(count)s line(s) have errors.") % {"count": len(report.errors)}
            )
        summary = _("%(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        }
        prefix = _("Checked, nothing saved:") if dry_run else _("Procedures imported:")
        self.stdout.write(self.style.SUCCESS(f"{prefix} {summary}"))
