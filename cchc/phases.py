"""The calendar of a scheme, in one place: which phase it is in on a day, and whether self-scoring, appraisal
and publication are accepted then (cchc.services asks; the screens show the phase and its dates).

- Self-scoring: from the opening of the scheme until ``self_scoring_until`` (that day included, Vietnam time).
- Appraisal: after self-scoring has closed (from the next day) until ``appraisal_until`` (included).
- Publication: from ``publish_on`` (included), once every unit's scorecard is appraised.

A date left empty sets no bound on its side: a scheme without dates is scored, appraised and published at the
pace of the unit above (the appraisal of a unit's own points then waits for the unit to submit them). A
published result may still be corrected: a correction is not the appraisal phase, its history is kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.periods import local_day

from .models import Scheme, SchemeStatus

PREPARING, SELF_SCORING, APPRAISAL, PUBLICATION, PUBLISHED = "preparing", "self_scoring", "appraisal", "publication", "published"
LABELS = {
    PREPARING: gettext_lazy("Being prepared"),
    SELF_SCORING: gettext_lazy("Self-scoring by the units"),
    APPRAISAL: gettext_lazy("Appraisal by the unit above"),
    PUBLICATION: gettext_lazy("Awaiting publication"),
    PUBLISHED: gettext_lazy("Published"),
}


def dmy(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


@dataclass(frozen=True)
class Phase:
    key: str
    starts_on: date | None = None
    ends_on: date | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def dates(self) -> str:
        """"from 01/02/2022 to 28/02/2022", "until 31/01/2022", "from 15/03/2022" or ""."""
        if self.starts_on and self.ends_on:
            return _("from %(start)s to %(end)s") % {"start": dmy(self.starts_on), "end": dmy(self.ends_on)}
        if self.ends_on:
            return _("until %(end)s") % {"end": dmy(self.ends_on)}
        if self.starts_on:
            return _("from %(start)s") % {"start": dmy(self.starts_on)}
        return ""


def day_of(now: datetime | None) -> date:
    return local_day(now or timezone.now())


def _after(day: date | None) -> date | None:
    return day + timedelta(days=1) if day else None


def phase_of(scheme: Scheme, day: date) -> Phase:
    """The scheme's phase on ``day``, with its dates."""
    if scheme.status == SchemeStatus.DRAFT:
        return Phase(PREPARING)
    if scheme.status == SchemeStatus.PUBLISHED:
        return Phase(PUBLISHED, local_day(scheme.published_at) if scheme.published_at else None)
    if scheme.self_scoring_until is None or day <= scheme.self_scoring_until:
        return Phase(SELF_SCORING, None, scheme.self_scoring_until)
    if scheme.appraisal_until is None or day <= scheme.appraisal_until:
        return Phase(APPRAISAL, _after(scheme.self_scoring_until), scheme.appraisal_until)
    return Phase(PUBLICATION, scheme.publish_on or _after(scheme.appraisal_until))


def self_scoring_refusal(scheme: Scheme, day: date) -> str | None:
    """Why a unit may not score itself on ``day`` (None: it may)."""
    if scheme.status == SchemeStatus.DRAFT:
        return _("Self-scoring has not begun: the scheme is not open yet.")
    if scheme.status == SchemeStatus.PUBLISHED:
        return _("The results are published: self-scoring is over.")
    if scheme.self_scoring_until is not None and day > scheme.self_scoring_until:
        return _("Self-scoring closed on %(day)s.") % {"day": dmy(scheme.self_scoring_until)}
    return None


def appraisal_refusal(scheme: Scheme, day: date, *, unit_still_scoring: bool) -> str | None:
    """Why the unit above may not appraise on ``day`` (None: it may). ``unit_still_scoring``: the criterion is
    the unit's own and its scorecard is not submitted yet."""
    if scheme.status == SchemeStatus.DRAFT:
        return _("The scheme is not open yet.")
    if scheme.status == SchemeStatus.PUBLISHED:
        return None  # a correction of a published result, kept in the history
    if scheme.self_scoring_until is not None and day <= scheme.self_scoring_until:
        return _("Appraisal opens on %(start)s, once self-scoring has closed (on %(end)s).") % {
            "start": dmy(_after(scheme.self_scoring_until)), "end": dmy(scheme.self_scoring_until)}
    if scheme.self_scoring_until is None and unit_still_scoring:
        return _("The unit is still scoring itself: appraise its points once it has submitted its scorecard.")
    if scheme.appraisal_until is not None and day > scheme.appraisal_until:
        return _("Appraisal closed on %(day)s.") % {"day": dmy(scheme.appraisal_until)}
    return None


def publication_refusal(scheme: Scheme, day: date, *, not_appraised: list[str]) -> str | None:
    """Why the results may not be published on ``day`` (None: they may). ``not_appraised``: the names of the
    units whose scorecard is not fully appraised."""
    if scheme.status != SchemeStatus.OPEN:
        return _("Only an open scheme can be published.")
    if scheme.publish_on is not None and day < scheme.publish_on:
        return _("The results may be published from %(day)s.") % {"day": dmy(scheme.publish_on)}
    if not_appraised:
        shown = ", ".join(not_appraised[:10]) + (" …" if len(not_appraised) > 10 else "")
        return _("Every unit must be appraised before publication; not yet: %(units)s.") % {"units": shown}
    return None
