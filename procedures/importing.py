"""Importing a catalogue file: read it (header found below title rows, Vietnamese headings,
BOM, Excel dates), run the one resource in a transaction, and report every bad row by its line."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export.results import RowResult

from motcua.models import AdministrativeUnit
from motcua.tabular import TabularError, read_rows

from .resources import COLUMN_LABELS, COLUMNS, HEADER_ALIASES, KEPT_WHEN_ABSENT, REQUIRED_COLUMNS, ProcedureResource


@dataclass
class PreviewRow:
    line: int
    code: str
    name: str
    action: str  # new / update / skip


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_NEW)

    @property
    def updated(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(RowResult.IMPORT_TYPE_SKIP)


def procedures_import(
    *,
    source: str | BinaryIO,
    filename: str | None = None,
    unit: AdministrativeUnit | None = None,
    user=None,
    dry_run: bool = False,
) -> ImportReport:
    """Import (or, with ``dry_run``, only check) a catalogue file. All rows or none.

    ``user`` (who imports) is asked what the edit form asks — ``procedure.import``, ``posting.edit`` at
    ``unit``, ``procedure.edit`` on each row's stored procedure and on the level the row gives — and a
    row refused is named like any bad row, so nothing is written; ``user=None`` is the installation
    itself (the command without ``--by``). The dry run and the confirmation ask the same.

    Raises TabularError when the file as a whole cannot be read (not a table, no header).
    """
    rows = read_rows(source, filename=filename, required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)
    if not rows:
        raise TabularError(_("The file has a header but no procedure below it."))
    # The internal process is a column of its own: a file without it keeps the stages stored (resources).
    columns = [c for c in COLUMNS if c not in KEPT_WHEN_ABSENT or any(c in row.values for row in rows)]
    dataset = tablib.Dataset(headers=columns)
    for row in rows:
        dataset.append([row.get(column) for column in columns])
    lines = {number: row.line for number, row in enumerate(rows, start=1)}
    resource = ProcedureResource(unit=unit, user=user, lines=lines)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)

    report = ImportReport(dry_run=dry_run)
    for invalid in result.invalid_rows:
        problems = []
        for column, messages in invalid.error_dict.items():
            label = "" if column == NON_FIELD_ERRORS else f"{COLUMN_LABELS.get(column, column)}: "
            problems += [f"{label}{message}" for message in messages]
        report.errors.append(
            (lines[invalid.number], _("Row %(line)s: %(problems)s.") % {"line": lines[invalid.number], "problems": "; ".join(problems)})
        )
    for number, errors in result.row_errors():
        for error in errors:
            report.errors.append(
                (lines.get(number, number), _("Row %(line)s: could not be saved (%(error)s).") % {"line": lines.get(number, number), "error": error.error})
            )
    for error in result.base_errors:
        # The file as a whole refused (its columns, or who imports it may not: procedure.import, posting.edit).
        messages = error.error.messages if isinstance(error.error, ValidationError) else [str(error.error)]
        report.errors += [(0, message) for message in messages]
    report.errors = [message for _line, message in sorted(report.errors, key=lambda e: e[0])]
    for number, row_result in enumerate(result.rows, start=1):
        if row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP):
            report.rows.append(
                PreviewRow(
                    line=lines[number],
                    code=rows[number - 1].get("code"),
                    name=rows[number - 1].get("name"),
                    action=row_result.import_type,
                )
            )
    return report
