"""What apps built on reports add to it, without reports importing them (imports flow one way): an app
registers from its AppConfig.ready a section of the periodic report (``register_section``), a kind of
pending work the dashboard and the daily digest count (``register_pending_work``) or a small block of the
desk's home (``register_home_block``). The reform index and
inspections (cchc) are the first: the report's section on inspection, and the overdue requests to fix.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from motcua.models import AdministrativeUnit
from motcua.periods import Period


@dataclass(frozen=True)
class ReportSection:
    """A section of the periodic report: ``build(unit, period)`` returns {"lines": [Vietnamese sentences],
    "figures": {name: number}} from one aggregation of the app's own records."""

    key: str
    title: str  # Vietnamese, as the PDF prints it
    build: Callable[[AdministrativeUnit, Period], dict]


@dataclass(frozen=True)
class PendingWork:
    """Work past its deadline at a unit (its subtree), counted on the dashboard and in the daily digest."""

    key: str
    label: str
    count: Callable[[AdministrativeUnit, datetime], int]
    url: Callable[[AdministrativeUnit], str]


@dataclass(frozen=True)
class HomeBlock:
    """A small block of the desk's home (reports.homes): ``build(user, unit, now)`` returns the context of
    ``template`` (included with it as ``block``), or None to show nothing. One query or two, whatever the data."""

    key: str
    template: str
    build: Callable[[object, AdministrativeUnit, datetime], dict | None]


SECTIONS: dict[str, ReportSection] = {}
PENDING_WORK: dict[str, PendingWork] = {}
HOME_BLOCKS: dict[str, HomeBlock] = {}


def register_section(section: ReportSection) -> None:
    SECTIONS[section.key] = section


def register_pending_work(work: PendingWork) -> None:
    PENDING_WORK[work.key] = work


def register_home_block(block: HomeBlock) -> None:
    HOME_BLOCKS[block.key] = block


def report_sections(unit: AdministrativeUnit, period: Period) -> dict[str, dict]:
    """Every registered section of the unit's report for the window, by key, in registration order."""
    return {key: {"title": section.title, **section.build(unit, period)} for key, section in SECTIONS.items()}


def pending_work(unit: AdministrativeUnit, now: datetime) -> list[dict]:
    """The registered pending work of the unit's subtree that has anything to show: label, count, link."""
    rows = []
    for work in PENDING_WORK.values():
        count = work.count(unit, now)
        if count:
            rows.append({"key": work.key, "label": work.label, "count": count, "url": work.url(unit)})
    return rows


def home_blocks(user, unit: AdministrativeUnit, now: datetime) -> list[dict]:
    """The registered blocks of the desk's home that have anything to show: key, template and their context."""
    blocks = []
    for block in HOME_BLOCKS.values():
        context = block.build(user, unit, now)
        if context is not None:
            blocks.append({"key": block.key, "template": block.template, **context})
    return blocks
