from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.services import UNIT_COLUMNS, UNIT_HEADER_ALIASES, UnitImportError, units_import
from motcua.tabular import TabularError, read_rows


class Command(BaseCommand):
    help = "Import administrative units from a CSV or XLSX file (code,name,level,parent_code). All rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file with a header row")

    def handle(self, *args, file: str, **options):
        try:
            rows = read_rows(file, required=UNIT_COLUMNS, aliases=UNIT_HEADER_ALIASES)
            result = units_import(rows=rows)
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except TabularError as exc:
            raise CommandError(str(exc)) from None
        except UnitImportError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(
                _("Nothing was imported: %(count)s row(s) have errors.") % {"count": len(exc.errors)}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Units imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged)}
            )
        )
