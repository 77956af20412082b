"""Writes on the core models: importing the unit tree and preloading the holiday calendar."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from .models import LEVEL_RANK, AdministrativeUnit, Holiday, HolidayKind, UnitKind, UnitLevel
from .tabular import Row
from .text import strip_diacritics

# What an officer may type in the level column → (level, kind or None to read it off the name).
LEVEL_WORDS: dict[str, tuple[str, str | None]] = {
    "province": (UnitLevel.PROVINCE, None),
    "district": (UnitLevel.DISTRICT, None),
    "commune": (UnitLevel.COMMUNE, None),
    "tỉnh": (UnitLevel.PROVINCE, UnitKind.PROVINCE),
    "thành phố trực thuộc trung ương": (UnitLevel.PROVINCE, UnitKind.CITY_PROVINCE),
    "huyện": (UnitLevel.DISTRICT, UnitKind.RURAL_DISTRICT),
    "quận": (UnitLevel.DISTRICT, UnitKind.URBAN_DISTRICT),
    "thị xã": (UnitLevel.DISTRICT, UnitKind.TOWN),
    "xã": (UnitLevel.COMMUNE, UnitKind.COMMUNE),
    "phường": (UnitLevel.COMMUNE, UnitKind.WARD),
    "thị trấn": (UnitLevel.COMMUNE, UnitKind.TOWNSHIP),
    "đặc khu": (UnitLevel.COMMUNE, UnitKind.SPECIAL_ZONE),
}

# The kind read off the start of the official name, per level.
NAME_PREFIXES: dict[str, list[tuple[str, str]]] = {
    UnitLevel.PROVINCE: [("tỉnh ", UnitKind.PROVINCE), ("thành phố ", UnitKind.CITY_PROVINCE)],
    UnitLevel.DISTRICT: [
        ("huyện ", UnitKind.RURAL_DISTRICT),
        ("quận ", UnitKind.URBAN_DISTRICT),
        ("thị xã ", UnitKind.TOWN),
        ("thành phố ", UnitKind.CITY),
    ],
    UnitLevel.COMMUNE: [
        ("xã ", UnitKind.COMMUNE),
        ("phường ", UnitKind.WARD),
        ("thị trấn ", UnitKind.TOWNSHIP),
        ("đặc khu ", UnitKind.SPECIAL_ZONE),
    ],
}

CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,15}$")


_LEVEL_WORDS_PLAIN = {strip_diacritics(word): value for word, value in LEVEL_WORDS.items()}


def parse_level(text: str) -> tuple[str, str | None] | None:
    key = " ".join(text.strip().lower().split())
    return LEVEL_WORDS.get(key) or _LEVEL_WORDS_PLAIN.get(strip_diacritics(key))


def kind_from_name(level: str, name: str) -> str:
    lowered = name.lower()
    for prefix, kind in NAME_PREFIXES[level]:
        if lowered.startswith(prefix):
            return kind
    return ""


class UnitImportError(Exception):
    """The file was refused as a whole; ``errors`` names each bad row. Nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class UnitImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class _UnitRow:
    line: int
    code: str
    name: str
    level: str
    kind: str
    parent_code: str


UNIT_COLUMNS = ("code", "name", "level", "parent_code")
UNIT_HEADER_ALIASES = {
    "mã": "code",
    "mã đơn vị": "code",
    "tên": "name",
    "tên đơn vị": "name",
    "cấp": "level",
    "mã đơn vị cha": "parent_code",
    "mã cấp trên": "parent_code",
}


def _parse_unit_rows(rows: list[Row], errors: list[tuple[int, str]]) -> list[_UnitRow]:
    parsed: list[_UnitRow] = []
    seen: dict[str, int] = {}
    for row in rows:
        problems = []
        code, name = row.get("code"), row.get("name")
        parent_code, level_text = row.get("parent_code"), row.get("level")
        if not code:
            problems.append(_("the code is empty"))
        elif not CODE_RE.match(code):
            problems.append(_("the code “%(code)s” is not a valid unit code") % {"code": code})
        elif code in seen:
            problems.append(
                _("the code “%(code)s” already appears on row %(line)s") % {"code": code, "line": seen[code]}
            )
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > 200:
            problems.append(_("the name is longer than 200 characters"))
        level = parse_level(level_text)
        if level is None:
            problems.append(
                _("the level “%(level)s” is not one of: %(accepted)s")
                % {"level": level_text, "accepted": ", ".join(LEVEL_WORDS)}
            )
        if parent_code and parent_code == code:
            problems.append(_("a unit cannot be its own parent"))
        if problems:
            errors.append((row.line, _("Row %(line)s: %(problems)s.") % {"line": row.line, "problems": "; ".join(problems)}))
            continue
        seen[code] = row.line
        level_value, kind = level
        parsed.append(
            _UnitRow(
                line=row.line,
                code=code,
                name=name,
                level=level_value,
                kind=kind or kind_from_name(level_value, name),
                parent_code=parent_code,
            )
        )
    return parsed


@transaction.atomic
def units_import(*, rows: list[Row]) -> UnitImportResult:
    """Create or update units by code from parsed rows: all rows or none.

    Parents may come from the same file (in any order) or already be in the database. Each row
    is checked (code, name, level, parent exists, parent sits at a higher level, no cycle); if any
    row is bad, UnitImportError lists every bad row and the database is left untouched.
    """
    errors: list[tuple[int, str]] = []
    parsed = _parse_unit_rows(rows, errors)
    by_code = {r.code: r for r in parsed}
    existing = {
        u.code: u
        for u in AdministrativeUnit.objects.select_for_update().filter(
            code__in={r.code for r in parsed} | {r.parent_code for r in parsed if r.parent_code}
        )
    }

    def level_of(code: str) -> str | None:
        if code in by_code:
            return by_code[code].level
        unit = existing.get(code)
        return unit.level if unit else None

    def parent_of(code: str) -> str | None:
        if code in by_code:
            return by_code[code].parent_code or None
        unit = existing.get(code)
        if unit is None:
            return None
        codes = unit.ancestor_codes
        return codes[-1] if codes else None

    def error(r: _UnitRow, template: str, **params) -> None:
        errors.append((r.line, template % {"line": r.line, **params}))

    for r in parsed:
        if not r.parent_code:
            continue
        parent_level = level_of(r.parent_code)
        if parent_level is None:
            error(
                r,
                _("Row %(line)s: the parent unit “%(parent)s” is neither in the file nor in the database."),
                parent=r.parent_code,
            )
            continue
        if LEVEL_RANK[parent_level] >= LEVEL_RANK[r.level]:
            error(
                r,
                _("Row %(line)s: a %(level)s cannot sit under the %(parent_level)s “%(parent)s”."),
                level=UnitLevel(r.level).label,
                parent_level=UnitLevel(parent_level).label,
                parent=r.parent_code,
            )
            continue
        # Walk up to the root; meeting this code again means a cycle.
        seen, cursor = {r.code}, r.parent_code
        while cursor:
            if cursor in seen:
                error(r, _("Row %(line)s: the parent chain of “%(code)s” loops back on itself."), code=r.code)
                break
            seen.add(cursor)
            if cursor not in by_code and cursor not in existing:
                existing.update({u.code: u for u in AdministrativeUnit.objects.filter(code=cursor)})
            cursor = parent_of(cursor)

    # A unit already in the database keeps its children: a new level must still sit above them.
    children = AdministrativeUnit.objects.filter(parent__code__in=list(by_code)).exclude(code__in=list(by_code))
    for child in children.select_related("parent"):
        r = by_code[child.parent.code]
        if LEVEL_RANK[r.level] >= LEVEL_RANK[child.level]:
            error(
                r,
                _("Row %(line)s: “%(code)s” has the %(child_level)s “%(child)s” below it and cannot become a %(level)s."),
                code=r.code,
                child_level=UnitLevel(child.level).label,
                child=child.code,
                level=UnitLevel(r.level).label,
            )

    if errors:
        transaction.set_rollback(True)
        raise UnitImportError([message for _line, message in sorted(set(errors))])

    result = UnitImportResult()
    units = dict(existing)
    pending = list(parsed)
    # Parents first: repeat until every row whose parent is known has been written.
    while pending:
        progress = []
        for r in pending:
            parent = units.get(r.parent_code) if r.parent_code else None
            if r.parent_code and (parent is None or parent.pk is None):
                continue
            progress.append(r)
            unit = units.get(r.code)
            if unit is None:
                unit = AdministrativeUnit(code=r.code)
                result.created.append(r.code)
            elif (unit.name, unit.level, unit.kind, unit.parent_id) == (
                r.name,
                r.level,
                r.kind,
                parent.pk if parent else None,
            ):
                result.unchanged.append(r.code)
                continue
            else:
                result.updated.append(r.code)
            unit.name, unit.level, unit.kind, unit.parent = r.name, r.level, r.kind, parent
            unit.path = AdministrativeUnit.build_path(parent.path if parent else "", r.code)
            unit.depth = parent.depth + 1 if parent else 0
            unit.save()
            units[r.code] = unit
        pending = [r for r in pending if r not in progress]
        if not progress:  # unreachable after validation; guards against an endless loop
            raise UnitImportError([_("Row %(line)s: the parent chain is broken.") % {"line": pending[0].line}])
    if result.updated:
        units_rebuild_paths()
    return result


def units_rebuild_paths() -> int:
    """Recompute every unit's path and depth from the parent links; returns how many changed."""
    children: dict[int | None, list[AdministrativeUnit]] = {}
    for unit in AdministrativeUnit.objects.only("id", "code", "parent_id", "path", "depth"):
        children.setdefault(unit.parent_id, []).append(unit)
    changed = []
    stack = [(unit, "", 0) for unit in children.get(None, [])]
    while stack:
        unit, parent_path, depth = stack.pop()
        path = AdministrativeUnit.build_path(parent_path, unit.code)
        if (unit.path, unit.depth) != (path, depth):
            unit.path, unit.depth = path, depth
            changed.append(unit)
        stack.extend((child, path, depth + 1) for child in children.get(unit.id, []))
    AdministrativeUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


def holidays_preload(*, first_year: int = 2020, last_year: int = 2030) -> int:
    """Load Vietnam's public holidays, days off and make-up working days from the ``holidays``
    package, without touching dates an administrator already entered. Returns rows created."""
    import holidays as holidays_lib

    years = range(first_year, last_year + 1)
    calendar = holidays_lib.country_holidays("VN", years=years, language="vi")
    rows = [Holiday(date=day, name=name, kind=HolidayKind.DAY_OFF) for day, name in calendar.items()]
    rows += [
        Holiday(date=day, name="Ngày làm việc bù", kind=HolidayKind.MAKEUP_WORKING_DAY)
        for day in sorted(getattr(calendar, "weekend_workdays", ()))
        if isinstance(day, date) and day.year in years
    ]
    existing = set(Holiday.objects.filter(date__year__in=list(years)).values_list("date", flat=True))
    new = [row for row in rows if row.date not in existing]
    Holiday.objects.bulk_create(new)
    from .selectors import invalidate_work_calendar

    invalidate_work_calendar()
    return len(new)


@transaction.atomic
def unit_save(*, unit: AdministrativeUnit) -> AdministrativeUnit:
    """Save a unit edited by hand (the admin), keeping its path and its subtree's paths right."""
    parent = unit.parent
    if parent is not None and (parent.pk == unit.pk or (unit.path and parent.path.startswith(unit.path))):
        raise ValueError(_("A unit cannot be placed under itself or one of its own units."))
    old_path = unit.path
    unit.path = AdministrativeUnit.build_path(parent.path if parent else "", unit.code)
    unit.depth = parent.depth + 1 if parent else 0
    unit.save()
    if old_path and old_path != unit.path:
        units_rebuild_paths()
    return unit
