"""Dossier codes: ``{identifier of the receiving unit}-{YYMMDD}-{NNNN}``, a daily sequence per unit;
feedback ticket codes ``PAKN-{unit code}-{YYMMDD}-{NNN}`` from the same counter (another kind).

The counter row is created or incremented by one ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``
(PostgreSQL, and SQLite ≥ 3.35), whose row lock holds until the intake transaction commits: twenty
desk officers saving at once get twenty different numbers in one round trip each, and the unique
constraint on the code is the last line of defence.
"""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit, Agency, AgencyKind

from .models import CounterKind, DailyCounter


class NumberingError(Exception):
    pass


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
