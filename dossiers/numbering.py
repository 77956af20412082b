"""Dossier codes: ``{identifier of the receiving unit}-{YYMMDD}-{NNNN}``, a daily sequence per unit;
feedback ticket codes ``PAKN-{unit code}-{YYMMDD}-{NNN}`` from the same counter (another kind).

The counter row is created or incremented by one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``
(PostgreSQL, and SQLite ≥ 3.35), whose row lock holds until the intake transaction commits: twenty
desk officers saving at once get twenty different numbers in one round trip each, and the unique
constraint on the code is the last line of defence.
"""
from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit, Agency, AgencyKind

from .models import CounterKind, DailyCounter


class NumberingError(Exception):
    pass


# Every dossier code, given here or kept from the previous software, is made of these characters
# only: they need no escaping in a URL path, a file name, a header or a printed form, so a stored code
# can never break a page. The URL patterns that take a code accept exactly this set (CODE_PATH).
CODE_MAX = 48
CODE_PATH = r"[0-9A-Za-z][0-9A-Za-z._-]*"
_SAFE_CODE = re.compile(rf"{CODE_PATH}\Z")
# What format_code gives: {identifier}-{YYMMDD}-{NNNN}.
PORTAL_CODE = re.compile(r"\A(?P<identifier>[0-9A-Za-z][0-9A-Za-z._-]*)-(?P<day>\d{6})-(?P<number>\d{4,})\Z")


def is_safe_code(code: str) -> bool:
    """Letters and digits (ASCII), then also ``.``, ``-`` and ``_``; at most 48 characters."""
    return len(code) <= CODE_MAX and bool(_SAFE_CODE.match(code))


def portal_code_day(code: str) -> date | None:
    """The day of a code in the portal's own format, None for any other code; ValueError for a code
    in that format whose YYMMDD is not a real day."""
    match = PORTAL_CODE.match(code)
    if match is None:
        return None
    digits = match["day"]
    return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))


def unit_identifier(unit: AdministrativeUnit) -> str:
    """The electronic identifier (mã định danh) of the unit's People's Committee."""
    identifier = (
        Agency.objects.filter(unit=unit, kind=AgencyKind.PEOPLES_COMMITTEE, is_active=True)
        .order_by("pk")  # not the default ordering, which joins the units for their path
        .values_list("identifier", flat=True)
        .first()
    )
    if not identifier:
        raise NumberingError(
            _("%(unit)s has no electronic identifier (People's Committee agency): ask the administrator to add it.")
            % {"unit": unit.name}
        )
    if not is_safe_code(identifier):  # a code made from it would not fit in an address or a file name
        raise NumberingError(
            _("The electronic identifier “%(identifier)s” of %(unit)s may hold only letters, digits, “.”, “-” and "
              "“_”: ask the administrator to correct it.") % {"identifier": identifier, "unit": unit.name}
        )
    return identifier


def format_code(identifier: str, day: date, number: int) -> str:
    return f"{identifier}-{day:%y%m%d}-{number:04d}"


def next_number(unit: AdministrativeUnit, day: date, kind: str = CounterKind.DOSSIER) -> int:
    """Allocate the next number of the unit's day for ``kind``. Must run inside the writing transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise NumberingError("next_number() must run inside a transaction")
    quote = connection.ops.quote_name
    table, last = quote(DailyCounter._meta.db_table), quote("last")
    key = f"{quote('unit_id')}, {quote('day')}, {quote('kind')}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {last}) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT ({key}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [unit.pk, day, str(kind)],
        )
        return cursor.fetchone()[0]


def allocate_code(unit: AdministrativeUnit, day: date) -> str:
    return format_code(unit_identifier(unit), day, next_number(unit, day))


def allocate_ticket_code(unit: AdministrativeUnit, day: date) -> str:
    return f"PAKN-{unit.code}-{day:%y%m%d}-{next_number(unit, day, CounterKind.TICKET):03d}"
