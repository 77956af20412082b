from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from motcua.services import UNIT_COLUMNS, UNIT_HEADER_ALIASES, UnitImportError, units_import
from motcua.tabular import TabularError, read_rows


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("--effective must be a date written YYYY-MM-DD, e.g. 2025-07-01.")) from None


class Command(BaseCommand):
    help = (
        "Import administrative units from a CSV or XLSX file (code,name,level,parent_code[,predecessors]). "
        "With --effective the file is the whole tree from that date: units absent from it end the day "
        "before and pass their dossiers to the unit that lists them as predecessors. All rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file with a header row")
        parser.add_argument("--effective", metavar="YYYY-MM-DD", help="The day the tree in the file takes effect")

    def handle(self, *args, file: str, effective: str | None = None, **options):
        day = _day(effective) if effective else None
        try:
            rows = read_rows(file, required=UNIT_COLUMNS, aliases=UNIT_HEADER_ALIASES)
            result = units_import(rows=rows, effective=day)
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
        for ended, successor in result.ended:
            self.stdout.write(
                _("%(ended)s (%(code)s) ended on %(day)s; its dossiers pass to %(successor)s.")
                % {"ended": ended.name, "code": ended.code, "day": f"{ended.valid_to:%d/%m/%Y}", "successor": successor.name}
            )
        if result.people_to_place:
            self.stdout.write(_("People of units that ended, to be placed in a unit in force by the administrator:"))
            for membership in result.people_to_place:
                self.stdout.write(f"  {membership.user.get_username()} – {membership.get_role_display()} – {membership.unit.name}")
