"""Read a CSV or XLSX file with a header row into dictionaries, keeping each row's line number.

Shared by every importer (units now, procedures and historical dossiers later) so that a bad row
is always named the same way: by the line an officer sees in Excel.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from .text import search_key

HEADER_SEARCH_ROWS = 15
# The most a spreadsheet cell holds (Excel's own limit); no column of any import takes more. A longer
# cell is refused on its row before any importer parses it.
MAX_CELL_CHARS = 32_767
# Characters no text may carry: NUL (PostgreSQL refuses it) and the other C0 controls that XML, hence
# every Excel file the portal writes, cannot hold. Tab, line feed and carriage return are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# At most this many bad rows are named in the message; the count says how many there were.
MAX_NAMED_ROWS = 20


class TabularError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, missing columns, cells no text may hold)."""


@dataclass(frozen=True)
class Row:
    line: int  # 1-based, the header being line 1, as Excel numbers it
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def normalise_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).strip().lower().split())


def _cell(value) -> str:
    """A cell as text: NFC, trimmed (also non-breaking spaces), Excel dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            value = value.strftime("%d/%m/%Y")
        else:
            value = value.strftime("%d/%m/%Y %H:%M:%S" if value.second else "%d/%m/%Y %H:%M")
    elif isinstance(value, date):
        value = value.strftime("%d/%m/%Y")
    elif isinstance(value, time):
        value = value.strftime("%H:%M")
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ").strip()


cell_text = _cell


def read_rows(
    source: str | Path | BinaryIO,
    *,
    filename: str | None = None,
    required: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX file.

    ``aliases`` maps normalised header text (e.g. a Vietnamese heading) to a column name.
    Blank rows are skipped. Raises TabularError when the file cannot be read as a table.
    """
    if isinstance(source, (str, Path)):
        filename = filename or str(source)
        data = Path(source).read_bytes()
    else:
        data = source.read()
    name = (filename or "").lower()
    if name.endswith(".xls") and not name.endswith(".xlsx") or data[:4] == b"\xd0\xcf\x11\xe0":
        raise TabularError(_("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV (UTF-8) and try again."))
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        table = _xlsx_table(data)
    else:
        table = _csv_table(data)
    if not table:
        raise TabularError(_("The file is empty."))

    aliases = {search_key(k): v for k, v in (aliases or {}).items()}
    required = list(required)

    def columns(cells) -> list[str]:
        names = []
        for cell in cells:
            key = normalise_header(_cell(cell))
            names.append(aliases.get(search_key(key), key))
        return names

    # Real files carry title rows (often merged cells) above the header: the header is the first
    # of the top rows that names every required column.
    header_index = 0
    if required:
        for index, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
            if all(column in columns(cells) for column in required):
                header_index = index
                break
        else:
            first = next((i for i, cells in enumerate(table) if any(_cell(c) for c in cells)), 0)
            missing = [column for column in required if column not in columns(table[first])]
            raise TabularError(
                _("Missing column(s): %(columns)s. The header row must name them (checked the first %(rows)s rows).")
                % {"columns": ", ".join(missing), "rows": HEADER_SEARCH_ROWS}
            )
    header = columns(table[header_index])
    rows, unreadable = [], []
    for offset, cells in enumerate(table[header_index + 1 :], start=header_index + 2):
        values = {column: _cell(value) for column, value in zip(header, cells) if column}
        problems = _cell_problems(values)
        if problems:
            unreadable.append(_("Row %(line)s: %(problems)s.") % {"line": offset, "problems": "; ".join(problems)})
        elif any(values.values()):
            rows.append(Row(line=offset, values=values))
    if unreadable:
        raise TabularError(_refusal(unreadable))
    return rows


def _cell_problems(values: dict[str, str]) -> list[str]:
    """What makes a row unreadable by any importer: a control character or a cell past MAX_CELL_CHARS."""
    problems = []
    for column, text in values.items():
        column = _CONTROL.sub("?", column)
        if len(text) > MAX_CELL_CHARS:
            problems.append(
                _("the column “%(column)s” holds %(length)s characters, more than the %(max)s a cell may hold")
                % {"column": column, "length": f"{len(text):,}".replace(",", "."), "max": f"{MAX_CELL_CHARS:,}".replace(",", ".")}
            )
        elif _CONTROL.search(text):
            problems.append(
                _("the column “%(column)s” holds a control character (%(character)s) that no text may contain")
                % {"column": column, "character": f"U+{ord(_CONTROL.search(text)[0]):04X}"}
            )
    return problems


def _refusal(messages: list[str]) -> str:
    named = messages[:MAX_NAMED_ROWS]
    if len(messages) > len(named):
        named.append(_("… and %(count)s more row(s).") % {"count": len(messages) - len(named)})
    return "\n".join([_("Nothing was imported: the file holds text that cannot be stored."), *named])


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TabularError(_("The CSV file must be encoded in UTF-8.")) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # Universal newlines: a file saved with bare CR line ends (old Mac Excel) reads like any other.
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    try:
        return [row for row in reader]
    except csv.Error:  # a field past the csv module's own limit (131,072 characters)
        raise TabularError(_refusal([
            _("Row %(line)s: %(problems)s.") % {
                "line": reader.line_num,
                "problems": _("a cell holds more than the %(max)s characters a cell may hold")
                % {"max": f"{MAX_CELL_CHARS:,}".replace(",", ".")},
            }
        ])) from None


# An .xlsx is a zip: refuse archives that would expand beyond this (a "zip bomb") before opening.
MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_XLSX_RATIO = 200


def _check_archive(data: bytes) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise TabularError(_("The file is not a readable Excel (.xlsx) workbook.")) from None
    if expanded > MAX_XLSX_EXPANDED_BYTES or expanded > MAX_XLSX_RATIO * max(len(data), 1):
        raise TabularError(_("The Excel file expands to far more data than a table holds: it was refused."))


def _xlsx_table(data: bytes) -> list[list]:
    # XML inside the workbook is parsed with defusedxml (installed; openpyxl uses it), so entity
    # bombs and external entities are refused too.
    from openpyxl import load_workbook

    _check_archive(data)

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise TabularError(_("The file is not a readable Excel (.xlsx) workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
