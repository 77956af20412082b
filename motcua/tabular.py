"""Read a CSV or XLSX file with a header row into dictionaries, keeping each row's line number.

Shared by every importer (units now, procedures and historical dossiers later) so that a bad row
is always named the same way: by the line an officer sees in Excel.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _


class TabularError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, missing columns)."""


@dataclass(frozen=True)
class Row:
    line: int  # 1-based, the header being line 1, as Excel numbers it
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def normalise_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).strip().lower().split())


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


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
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        table = _xlsx_table(data)
    else:
        table = _csv_table(data)
    if not table:
        raise TabularError(_("The file is empty."))

    aliases = {normalise_header(k): v for k, v in (aliases or {}).items()}
    header = []
    for cell in table[0]:
        key = normalise_header(cell)
        header.append(aliases.get(key, key))
    missing = [column for column in required if column not in header]
    if missing:
        raise TabularError(
            _("Missing column(s): %(columns)s. The first row must be the header.")
            % {"columns": ", ".join(missing)}
        )
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        values = {column: _cell(value) for column, value in zip(header, cells) if column}
        if any(values.values()):
            rows.append(Row(line=offset, values=values))
    return rows


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TabularError(_("The CSV file must be encoded in UTF-8.")) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_table(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise TabularError(_("The file is not a readable Excel (.xlsx) workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
