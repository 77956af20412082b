"""``import_procedures FILE [--unit CODE] [--by USERNAME] [--dry-run]``.

Who acts: with ``--by`` the named staff account, asked what the import screen asks of it
(``procedure.import``, ``posting.edit`` at ``--unit``, ``procedure.edit`` for every row) and recorded
on each version; without it the installation's administrator (whoever runs commands on the server),
recorded as no one, as for the other commands.
"""
from django.contrib.auth import get_user_model
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
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="Import as this account: what it may not change refuses the file, and each version records it "
            "(without it: the administrator)",
        )

    def handle(self, *args, file: str, unit: str | None, dry_run: bool, by: str | None = None, **options):
        user = None
        if by:
            user = get_user_model().objects.filter(username=by, is_active=True).first()
            if user is None:
                raise CommandError(_("No active account is named %(username)s.") % {"username": by})
        target = None
        if unit:
            target = AdministrativeUnit.objects.by_key(unit)  # the unit in force with that code
            if target is None:
                raise CommandError(_("Unit %(code)s does not exist.") % {"code": unit})
        try:
            with open(file, "rb") as handle:
                report = procedures_import(source=handle, filename=file, unit=target, user=user, dry_run=dry_run)
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
