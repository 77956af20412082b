"""The province's targets (chỉ tiêu, in per cent): the one lookup every screen and document asks.

The targets are the editable table ``reports.models.Target`` (per year, per unit level; an
administrator changes them in the admin; 2022–2030 are preloaded by reports/migrations/0003). Imports
flow motcua ← procedures ← dossiers ← reports, so an app below reports (the satisfaction page in
dossiers.ratings) may not import the table: reports hands its reader over when it starts
(``reports.apps``), and every screen and document asks ``province_targets`` here. Change a row and
the satisfaction page, the dashboard, the report's PDF and Excel all show the new value.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

__all__ = ["LAND_GROUP_SATISFACTION", "SATISFACTION", "province_targets", "provide"]

# The keys apps below reports ask for (reports.models.TargetKey lists them all).
SATISFACTION = "satisfaction"
LAND_GROUP_SATISFACTION = "land_group_satisfaction"

Reader = Callable[[object, int], Mapping[str, Decimal]]
_reader: Reader | None = None


def provide(reader: Reader) -> None:
    """Set who reads the targets (reports does, at start-up)."""
    global _reader
    _reader = reader


def province_targets(unit, year: int) -> Mapping[str, Decimal]:
    """{key: value %} of the targets that apply to ``unit`` in ``year`` (its level's own row wins over
    the general one); a key without a row is missing (no target: shown as none, never a constant)."""
    if _reader is None:
        raise RuntimeError("No reader of the province's targets: the reports app provides it when it starts.")
    return _reader(unit, year)
