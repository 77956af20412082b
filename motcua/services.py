"""Writes on the core models: importing the unit tree (and its changes over time) and preloading the
holiday calendar."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext as _

from .models import (
    LEVEL_RANK,
    AdministrativeUnit,
    Agency,
    Holiday,
    HolidayKind,
    UnitKind,
    UnitLevel,
    UnitLineage,
    UnitSuccession,
    today,
)
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
    # With an effective date: the units that ended the day before, each with the one that took over
    # its dossiers, and the people of the ended units, who wait for the administrator.
    ended: list[tuple[AdministrativeUnit, AdministrativeUnit]] = field(default_factory=list)
    people_to_place: list = field(default_factory=list)


@dataclass
class _UnitRow:
    line: int
    code: str
    name: str
    level: str
    kind: str
    parent_code: str
    predecessors: list[str] = field(default_factory=list)
    desk_name: str = ""


UNIT_COLUMNS = ("code", "name", "level", "parent_code")
UNIT_HEADER_ALIASES = {
    "mã": "code",
    "mã đơn vị": "code",
    "tên": "name",
    "tên đơn vị": "name",
    "cấp": "level",
    "mã đơn vị cha": "parent_code",
    "mã cấp trên": "parent_code",
    "đơn vị tiền thân": "predecessors",
    "tiền thân": "predecessors",
    "tên bộ phận một cửa": "desk_name",
    "bộ phận một cửa": "desk_name",
}

# Sent inside the import's transaction when units end: (ended unit, the unit that took over its
# dossiers) pairs and the effective date. dossiers and procedures hand over what the ended units held.
units_reorganised = Signal()


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
        predecessors = [c.strip() for c in re.split(r"[;,]", row.get("predecessors")) if c.strip()]
        repeated = sorted({c for c in predecessors if predecessors.count(c) > 1})
        if repeated:
            problems.append(_("the predecessor “%(code)s” is listed twice") % {"code": repeated[0]})
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
                predecessors=predecessors,
                desk_name=row.get("desk_name")[:200],
            )
        )
    return parsed


@transaction.atomic
def units_import(*, rows: list[Row], effective: date | None = None) -> UnitImportResult:
    """Import the unit tree from parsed rows: all rows or none.

    Without ``effective`` the rows correct the units in force in place (a typo in a name, a unit
    added): parents may come from the same file (in any order) or already be in the database. With
    ``effective`` the file is the whole tree as it stands from that day (units_reorganise). Each row is
    checked (code, name, level, parent exists, parent sits at a higher level, no cycle); if any row
    is bad, UnitImportError lists every bad row and the database is left untouched.
    """
    errors: list[tuple[int, str]] = []
    parsed = _parse_unit_rows(rows, errors)
    if effective is not None:
        return _units_reorganise(parsed, effective, errors)
    for r in parsed:
        if r.predecessors:
            errors.append((r.line, _("Row %(line)s: predecessors need the date the change takes effect "
                                     "(--effective YYYY-MM-DD).") % {"line": r.line}))
    by_code = {r.code: r for r in parsed}
    existing = {
        u.code: u
        for u in AdministrativeUnit.objects.select_for_update().filter(valid_to__isnull=True).filter(
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
        keys = unit.ancestor_keys
        return keys[-1] if keys else None

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
                existing.update({u.code: u for u in AdministrativeUnit.objects.filter(code=cursor, valid_to__isnull=True)})
            cursor = parent_of(cursor)

    # A unit already in the database keeps its children: a new level must still sit above them.
    children = AdministrativeUnit.objects.filter(
        parent__code__in=list(by_code), parent__valid_to__isnull=True, valid_to__isnull=True
    ).exclude(code__in=list(by_code))
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
            elif (unit.name, unit.level, unit.kind, unit.parent_id, unit.desk_name) == (
                r.name,
                r.level,
                r.kind,
                parent.pk if parent else None,
                r.desk_name or unit.desk_name,
            ):
                result.unchanged.append(r.code)
                continue
            else:
                result.updated.append(r.code)
            unit.name, unit.level, unit.kind, unit.parent = r.name, r.level, r.kind, parent
            unit.desk_name = r.desk_name or unit.desk_name
            unit.path = AdministrativeUnit.build_path(parent.path if parent else "", unit.key)
            unit.depth = parent.depth + 1 if parent else 0
            unit.save()
            units[r.code] = unit
        pending = [r for r in pending if r not in progress]
        if not progress:  # unreachable after validation; guards against an endless loop
            raise UnitImportError([_("Row %(line)s: the parent chain is broken.") % {"line": pending[0].line}])
    if result.updated:
        units_rebuild_paths()
    return result


def _units_reorganise(parsed: list[_UnitRow], effective: date, errors: list[tuple[int, str]]) -> UnitImportResult:
    """The file is the whole tree as it stands from ``effective``.

    A row whose code, name, level and parent are those of a unit in force the day before, and that
    lists no other predecessor, is that unit going on. Every other row starts a new unit on
    ``effective`` (a reused code too), taking over the units it lists as predecessors (and the unit
    of its own code, if one was in force). Every unit in force the day before goes on or is some new
    unit's predecessor, else the file is refused naming it. A predecessor's dossiers go to the new
    unit that lists it first, or, when none does, to the first row that lists it (its primary
    successor). The units that did not go on end the day before; their paths take their keys."""
    day_before = effective - timedelta(days=1)
    on_day = effective.strftime("%d/%m/%Y")
    if effective > today():
        errors.append((0, _("The change takes effect on %(date)s, after today: import the file on that day or later.")
                       % {"date": on_day}))
    later = AdministrativeUnit.objects.filter(valid_from__gte=effective).order_by("-valid_from").first()
    if later is not None:
        errors.append((0, _("A change taking effect on %(date)s is already recorded: import the changes in the order of "
                            "their dates.") % {"date": f"{later.valid_from:%d/%m/%Y}"}))
    before = {u.code: u for u in AdministrativeUnit.objects.select_for_update().filter(
        valid_to__isnull=True).in_force(day_before)}
    by_code = {r.code: r for r in parsed}

    def error(r: _UnitRow, template: str, **params) -> None:
        errors.append((r.line, template % {"line": r.line, **params}))

    for r in parsed:
        for code in r.predecessors:
            if code not in before:
                error(r, _("Row %(line)s: the predecessor “%(code)s” was not a unit in force on %(day)s, the day before "
                           "the change."), code=code, day=f"{day_before:%d/%m/%Y}")
        if not r.parent_code:
            continue
        parent = by_code.get(r.parent_code)
        if parent is None:
            error(r, _("Row %(line)s: the parent unit “%(parent)s” is not in the file (with a date, the file is the whole "
                       "tree as it stands from that day)."), parent=r.parent_code)
        elif LEVEL_RANK[parent.level] >= LEVEL_RANK[r.level]:
            error(r, _("Row %(line)s: a %(level)s cannot sit under the %(parent_level)s “%(parent)s”."),
                  level=UnitLevel(r.level).label, parent_level=UnitLevel(parent.level).label, parent=r.parent_code)
        else:
            seen, cursor = {r.code}, r.parent_code
            while cursor and cursor in by_code:
                if cursor in seen:
                    error(r, _("Row %(line)s: the parent chain of “%(code)s” loops back on itself."), code=r.code)
                    break
                seen.add(cursor)
                cursor = by_code[cursor].parent_code
    if errors:
        transaction.set_rollback(True)
        raise UnitImportError([message for _line, message in sorted(set(errors))])

    def depth(r: _UnitRow) -> int:
        level, cursor = 0, r.parent_code
        while cursor:
            level, cursor = level + 1, by_code[cursor].parent_code
        return level

    ordered = sorted(parsed, key=lambda r: (depth(r), r.line))  # parents first
    going_on: dict[str, AdministrativeUnit] = {}
    for r in ordered:
        unit = before.get(r.code)
        if unit is None or set(r.predecessors) - {r.code}:
            continue
        parent = going_on.get(r.parent_code) if r.parent_code else None
        if r.parent_code and parent is None:
            continue  # its parent changed, so it is a new unit under the new parent
        if (unit.name, unit.level, unit.kind, unit.parent_id) == (r.name, r.level, r.kind, parent.pk if parent else None):
            going_on[r.code] = unit

    taken_over: dict[str, list[str]] = {}  # new unit's code → its predecessors, in the file's order
    for r in parsed:
        if r.code not in going_on:
            codes = list(r.predecessors)
            if r.code in before and r.code not in codes:
                codes.insert(0, r.code)
            taken_over[r.code] = codes
    listed = {code for codes in taken_over.values() for code in codes}
    for code, unit in sorted(before.items(), key=lambda item: item[1].path):
        if code not in going_on and code not in listed:
            errors.append((0, _("“%(name)s” (%(code)s), in force on %(day)s, is not in the file and no unit lists it among "
                                "its predecessors: add it, or list it in the predecessors of the unit that takes over its "
                                "dossiers.") % {"name": unit.name, "code": code, "day": f"{day_before:%d/%m/%Y}"}))
    primary: dict[str, str] = {}
    for code in sorted(listed - set(going_on)):
        first = [r for r in parsed if taken_over.get(r.code, [None])[0] == code]
        if len(first) > 1:
            error(first[1], _("Row %(line)s: “%(code)s” is listed first by row %(other)s too: only the unit that takes "
                              "over its dossiers lists it first."), code=code, other=first[0].line)
        primary[code] = (first[0] if first else next(r for r in parsed if code in taken_over.get(r.code, []))).code
    if errors:
        transaction.set_rollback(True)
        raise UnitImportError([message for _line, message in sorted(set(errors))])

    result = UnitImportResult()
    ended = [unit for code, unit in before.items() if code not in going_on]
    for unit in ended:
        unit.valid_to = day_before
        unit.save(update_fields=["valid_to"])
    # The agencies of a unit that ended (its People's Committee, its offices) end with it.
    Agency.objects.filter(unit__in=ended, is_active=True).update(is_active=False)
    created: dict[str, AdministrativeUnit] = {}
    for r in ordered:
        if r.code in going_on:
            unit = going_on[r.code]
            if r.desk_name and r.desk_name != unit.desk_name:
                unit.desk_name = r.desk_name
                unit.save(update_fields=["desk_name"])
                result.updated.append(r.code)
            else:
                result.unchanged.append(r.code)
            continue
        parent = (going_on.get(r.parent_code) or created.get(r.parent_code)) if r.parent_code else None
        unit = AdministrativeUnit(code=r.code, name=r.name, level=r.level, kind=r.kind, parent=parent,
                                  valid_from=effective, desk_name=r.desk_name)
        unit.path = AdministrativeUnit.build_path(parent.path if parent else "", unit.key)
        unit.depth = parent.depth + 1 if parent else 0
        unit.save()
        created[r.code] = unit
        result.created.append(r.code)
    UnitSuccession.objects.bulk_create(
        UnitSuccession(successor=created[code], predecessor=before[predecessor], position=position,
                       primary=primary.get(predecessor) == code)
        for code, codes in taken_over.items()
        for position, predecessor in enumerate(codes)
    )
    units_rebuild_paths()
    units_rebuild_lineage()
    result.ended = [(before[code], created[primary[code]]) for code in sorted(primary, key=lambda c: before[c].path)]
    from .models import StaffMembership

    result.people_to_place = list(
        StaffMembership.objects.filter(unit__in=ended).select_related("user", "unit").order_by("unit__path", "user__username")
    )
    units_reorganised.send(sender=AdministrativeUnit, handovers=result.ended, effective=effective)
    return result


def units_rebuild_lineage() -> int:
    """Recompute ``UnitLineage`` (every unit → every unit whose dossiers it holds through primary
    successions, transitively) from ``UnitSuccession``; returns the number of rows."""
    successor = dict(UnitSuccession.objects.filter(primary=True).values_list("predecessor_id", "successor_id"))
    rows = []
    for predecessor in successor:
        cursor, distance, seen = successor[predecessor], 1, {predecessor}
        while cursor is not None and cursor not in seen:
            rows.append(UnitLineage(unit_id=cursor, predecessor_id=predecessor, distance=distance))
            seen.add(cursor)
            cursor, distance = successor.get(cursor), distance + 1
    UnitLineage.objects.all().delete()
    UnitLineage.objects.bulk_create(rows, batch_size=1000)
    taken_over: dict[int, list[int]] = {}
    for row in sorted(rows, key=lambda row: (row.distance, row.predecessor_id)):
        taken_over.setdefault(row.unit_id, []).append(row.predecessor_id)
    units = list(AdministrativeUnit.objects.filter(Q(pk__in=list(taken_over)) | ~Q(taken_over=[])).only("id", "taken_over"))
    for unit in units:
        unit.taken_over = taken_over.get(unit.id, [])
    AdministrativeUnit.objects.bulk_update(units, ["taken_over"], batch_size=500)
    return len(rows)


def units_rebuild_paths() -> int:
    """Recompute every unit's path and depth from the parent links and keys; returns how many changed."""
    children: dict[int | None, list[AdministrativeUnit]] = {}
    for unit in AdministrativeUnit.objects.only("id", "code", "valid_to", "parent_id", "path", "depth"):
        children.setdefault(unit.parent_id, []).append(unit)
    changed = []
    stack = [(unit, "", 0) for unit in children.get(None, [])]
    while stack:
        unit, parent_path, depth = stack.pop()
        path = AdministrativeUnit.build_path(parent_path, unit.key)
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
    unit.path = AdministrativeUnit.build_path(parent.path if parent else "", unit.key)
    unit.depth = parent.depth + 1 if parent else 0
    unit.save()
    if old_path and old_path != unit.path:
        units_rebuild_paths()
    return unit
