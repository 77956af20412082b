"""What apps built on dossiers add to the printed forms, without dossiers importing them (imports flow one
way): an app registers from its AppConfig.ready who signs a receipt slip as "người tiếp nhận"
(``register_receipt_officer``). The reform index's desk roster (cchc) is the first: the officer on duty at
the counter that week.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from motcua.text import person_name

# (receiving unit, day received, the account that received it) → the name to print, or "" for no opinion.
RECEIPT_OFFICERS: list[Callable[[object, date, object], str]] = []


def register_receipt_officer(find: Callable[[object, date, object], str]) -> None:
    if find not in RECEIPT_OFFICERS:
        RECEIPT_OFFICERS.append(find)


def receipt_officer_name(unit, day: date, received_by) -> str:
    """The "người tiếp nhận hồ sơ" of a receipt slip: the first registered answer, else the receiving account's name."""
    for find in RECEIPT_OFFICERS:
        name = find(unit, day, received_by)
        if name:
            return name
    return person_name(received_by)
