"""The consolidated report of a unit with units below it, made of what those units sent.

For each direct child in force on the window's last day (the rows of ``compute_figures``' by_unit):
its latest submission for the window (reports.services.submission_rows: on time, late or missing,
and whether it was sent before the window ended), the figures it sent, the figures the records give
now, and which of the two the consolidating officer chose (``sources``: code → "sent" / "now";
"sent" by default where a submission exists, "now" for a unit that sent nothing, marked so).

The by-agency table is the unit's own agencies over the dossiers it handles itself (its own by-unit
row), as the records give them now: the agencies of the units below are in those units' reports.

The consolidated tables are sums of the chosen rows: the by-unit table row by row, the totals as
their sum (with the unit's own dossiers, always counted now), and the by-field table as the unit's
live by-field rows with each "sent" child's live rows taken out and its sent rows put in — so the
by-field and by-unit tables add up to the same totals. A unit that corrected data after sending shows
the figures that differ. Satisfaction, feedback and the catalogue stay as the records give them now.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from motcua.models import AdministrativeUnit
from motcua.periods import Period

from .figures import COUNT_KEYS, Figures, compute_figures, counted, flatten, shape
from .models import ReportSubmission
from .report import ReportData
from .services import SubmissionState, submission_rows

SENT, NOW = "sent", "now"
SOURCES = (SENT, NOW)


@dataclass
class ConsolidatedUnit:
    code: str
    name: str
    state: str  # SubmissionState
    submission: ReportSubmission | None
    source: str  # SENT or NOW
    now: dict  # shaped totals from the records
    sent: dict | None  # shaped totals as submitted (None: nothing sent)
    differences: list[str] = field(default_factory=list)  # COUNT_KEYS where sent and now differ

    @property
    def chosen(self) -> dict:
        return self.sent if self.source == SENT and self.sent is not None else self.now

    @property
    def changes(self) -> list[tuple[str, int, int]]:
        """(figure, as sent, as now) for each flat count that differs."""
        if self.sent is None:
            return []
        sent, now = flatten(self.sent), flatten(self.now)
        return [(key, sent[key], now[key]) for key in self.differences]

    @property
    def assessment(self) -> str:
        return ((self.submission.narrative or {}).get("assessment") or "").strip() if self.submission else ""


@dataclass
class Consolidation:
    unit: AdministrativeUnit
    period: Period
    lines: list[ConsolidatedUnit]
    figures: Figures

    def sources(self) -> dict[str, str]:
        return {line.code: line.source for line in self.lines}

    @property
    def sent_lines(self) -> list[ConsolidatedUnit]:
        return [line for line in self.lines if line.source == SENT]

    @property
    def now_lines(self) -> list[ConsolidatedUnit]:
        return [line for line in self.lines if line.source == NOW]


def parse_sources(text: str) -> dict[str, str]:
    """'11089:now,11092:sent' (a form's hidden field) → {code: source}; unknown words dropped."""
    sources = {}
    for part in (text or "").split(","):
        code, _, source = part.strip().partition(":")
        if code and source in SOURCES:
            sources[code.strip()] = source
    return sources


def format_sources(sources: dict[str, str]) -> str:
    return ",".join(f"{code}:{source}" for code, source in sorted(sources.items()))


def consolidate(unit: AdministrativeUnit, period: Period, *, sources: dict[str, str] | None = None) -> Consolidation:
    """The consolidation of the unit's report from its children's submissions (module docstring).
    Queries: the report's figures (4), the submissions (2), and one compute_figures per child whose
    sent figures are used (to take its live by-field rows out)."""
    period = counted(period)
    sources = sources or {}
    live = compute_figures(unit, period)
    submitted = {row.unit.code: row for row in submission_rows(unit, period)}
    lines, own = [], None
    for row in live.by_unit:
        if row["own"]:
            own = row
            continue
        code = row["unit_code"]
        submission_row = submitted.get(code)
        submission = submission_row.latest if submission_row else None
        sent = submission.figures.get("totals") if submission else None
        source = NOW if sent is None else (sources.get(code) if sources.get(code) in SOURCES else SENT)
        now_flat, sent_flat = flatten(row), flatten(sent) if sent is not None else None
        differences = [key for key in COUNT_KEYS if sent_flat is not None and sent_flat[key] != now_flat[key]]
        state = submission_row.state if submission_row else SubmissionState.MISSING
        lines.append(ConsolidatedUnit(code=code, name=row["unit_name"], state=state, submission=submission,
                                      source=source, now=row, sent=sent, differences=differences))

    by_unit = []
    if own is not None:
        by_unit.append(own)
    for line in lines:
        by_unit.append({"unit_code": line.code, "unit_name": line.name, "own": False, **shape(flatten(line.chosen))})
    totals = defaultdict(int)
    for row in by_unit:
        for key, value in flatten(row).items():
            totals[key] += value

    fields: dict[str, dict] = {}
    names: dict[str, str] = {}

    def add(rows, sign: int) -> None:
        for row in rows:
            names.setdefault(row["field_code"], row["field_name"])
            flat = flatten(row)
            target = fields.setdefault(row["field_code"], dict.fromkeys(COUNT_KEYS, 0))
            for key in COUNT_KEYS:
                target[key] += sign * flat[key]

    add(live.by_field, 1)
    children = {child.code: child for child in AdministrativeUnit.objects.children_in_force(unit, period.last_day)}
    for line in lines:
        if line.source == SENT:
            add(compute_figures(children[line.code], period).by_field, -1)
            add(line.submission.figures.get("by_field", []), 1)
    by_field = [
        {"field_code": code, "field_name": names[code], **shape(counts)}
        for code, counts in sorted(fields.items(), key=lambda item: names[item[0]])
        if any(counts.values())
    ]
    # By agency: the unit's own agencies (and the dossiers no agency holds) over the dossiers it handles
    # itself, as the records are now: they add up to its own by_unit row. The units below break their
    # own figures down by agency in their own reports.
    figures = Figures(unit=unit, period=period, totals=shape(dict(totals)), by_field=by_field, by_unit=by_unit,
                      by_agency=live.own_by_agency, own_by_agency=live.own_by_agency)
    return Consolidation(unit=unit, period=period, lines=lines, figures=figures)


def consolidated_report(data: ReportData, *, sources: dict[str, str] | None = None) -> ReportData:
    """The report with its dossier tables made of the units' submissions (``consolidate``)."""
    consolidation = consolidate(data.unit, data.period, sources=sources)
    return replace(data, figures=consolidation.figures, consolidation=consolidation)
