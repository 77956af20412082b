"""The daily digest of early warnings: to each officer (an active user with a staff membership and an
e-mail address) the warnings of their unit (reports.warnings), the dossiers assigned to them first,
as a plain-text e-mail through Django's mail backend, and a one-line SMS where a phone number is
known, through the SMS backend named by the ``MOTCUA_SMS_BACKEND`` setting (a class with
``send(phone, text)``; by default ``ConsoleSMSBackend``, which writes the message to the console).

Sent on working days only (the working calendar's holidays and make-up days); an officer whose unit
has no warning receives nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from motcua.models import AdministrativeUnit, StaffMembership
from motcua.periods import VN_TZ, local_day
from motcua.selectors import work_calendar
from motcua.sms import DEFAULT_SMS_BACKEND, ConsoleSMSBackend, HTTPSMSBackend, SMSBackend, get_sms_backend  # noqa: F401
from motcua.text import person_name, vn_moment

from .extensions import pending_work
from .warnings import WARNINGS, Check, warning_counts

logger = logging.getLogger(__name__)

# Dossiers listed per warning in one e-mail (the count always says how many there are).
ROWS_PER_WARNING = 25


# -- SMS ------------------------------------------------------------------------------------------


# The gateways live in motcua.sms (the applicants' messages use them too); their names stay importable
# from here (imported above), so that SMS_BACKEND=reports.notify.ConsoleSMSBackend keeps working.


def phone_of(membership: StaffMembership) -> str:
    """The officer's mobile number, where the data holds one (a ``phone`` on the membership or the user)."""
    return (getattr(membership, "phone", "") or getattr(membership.user, "phone", "") or "").strip()


# -- the digest -----------------------------------------------------------------------------------


@dataclass
class Section:
    check: Check
    count: int
    rows: list[Dossier] = field(default_factory=list)
    mine: int = 0  # of the rows listed, how many are assigned to the officer


@dataclass
class Digest:
    membership: StaffMembership
    at: datetime
    sections: list[Section]
    # Other work past its deadline at the unit (reports.extensions: overdue requests to fix, …).
    others: list[dict] = field(default_factory=list)

    @property
    def unit(self) -> AdministrativeUnit:
        return self.membership.unit

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)


def _mine_first(rows: QuerySet[Dossier], user) -> QuerySet[Dossier]:
    mine = Case(When(officer_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.annotate(mine=mine).order_by("mine", *rows.query.order_by)


def officer_digest(membership: StaffMembership, *, now: datetime, counts: dict[str, int] | None = None,
                   others: list[dict] | None = None) -> Digest:
    """The warnings of the officer's unit, the dossiers assigned to them first (one query per
    warning with rows, plus the counts when not given)."""
    unit = membership.unit
    counts = counts if counts is not None else warning_counts(unit, now=now)
    sections = []
    for check in WARNINGS:
        count = counts.get(check.key, 0)
        rows = list(_mine_first(check.rows(unit, now=now), membership.user)[:ROWS_PER_WARNING]) if count else []
        sections.append(Section(check=check, count=count, rows=rows,
                                mine=sum(1 for row in rows if row.officer_id == membership.user_id)))
    return Digest(membership=membership, at=now, sections=sections,
                  others=others if others is not None else pending_work(unit, now))


def _site_url() -> str:
    """Where links in e-mails point: MOTCUA_SITE_URL, else the first trusted origin, else nothing
    (the links are then relative paths)."""
    base = getattr(settings, "MOTCUA_SITE_URL", "") or next(iter(getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or []), "")
    return base.rstrip("/")


def _moment(value: datetime | None) -> str:
    return vn_moment(value) or "—"


def digest_subject(digest: Digest) -> str:
    return _("Early warnings of %(unit)s on %(day)s: %(count)s dossiers") % {
        "unit": digest.unit.name, "day": timezone.localtime(digest.at, VN_TZ).strftime("%d/%m/%Y"), "count": digest.total,
    }


def digest_text(digest: Digest) -> str:
    """The e-mail's plain text: a section per warning, the officer's own dossiers first and marked."""
    user = digest.membership.user
    base = _site_url()
    lines = [
        _("Dear %(name)s,") % {"name": person_name(user)},
        "",
        _("The early warnings of %(unit)s at %(moment)s:") % {"unit": digest.unit.name, "moment": _moment(digest.at)},
    ]
    assigned_label, due_label = _("assigned to you"), _("due")
    for section in digest.sections:
        lines += ["", f"{section.check.label}: {section.count}"]
        for dossier in section.rows:
            due = dossier.apology.new_due_at if section.check.key == "apology_due_again" else dossier.due_at
            mark = f"  [{assigned_label}]" if dossier.officer_id == user.pk else ""
            lines.append(
                f"  - {dossier.code} · {dossier.procedure.name[:80]} · {dossier.applicant_name} · "
                f"{due_label} {_moment(due)} · {dossier.handling_unit.name}{mark}"
            )
            lines.append(f"    {base}{reverse('dossiers:detail', args=[dossier.code])}")
        if section.count > len(section.rows):
            lines.append("  " + _("… and %(more)s more.") % {"more": section.count - len(section.rows)})
    for work in digest.others:
        lines += ["", f"{work['label']}: {work['count']}", f"  {base}{work['url']}"]
    lines += [
        "",
        _("All the warnings: %(url)s") % {
            "url": f"{base}{reverse('reports:warnings')}?{urlencode({'unit': digest.unit.code})}",
        },
        "",
        _("This message is sent every working day by Một Cửa; it is not read if answered."),
    ]
    return "\n".join(lines)


def digest_sms(digest: Digest) -> str:
    counts = {s.check.key: s.count for s in digest.sections}
    return _("Mot Cua %(unit)s: %(due_soon)s due within 1 working day, %(overdue)s overdue without apology, "
             "%(again)s new appointments near. See your e-mail.") % {
        "unit": digest.unit.code, "due_soon": counts.get("due_soon", 0),
        "overdue": counts.get("overdue_without_apology", 0), "again": counts.get("apology_due_again", 0),
    }


def digest_recipients() -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(user__is_active=True).exclude(user__email="")
        .select_related("user", "unit").order_by("unit__path", "user__username")
    )


def digest_send_all(*, now: datetime | None = None, force: bool = False) -> int:
    """Send every officer their digest; returns the number of e-mails sent. Nothing on a day off
    (unless ``force``). The warnings and the other pending work (reports.extensions) are counted once per
    unit; a unit without any is skipped."""
    now = now or timezone.now()
    if not force and not work_calendar().is_working_day(local_day(now)):
        return 0
    counts_by_unit: dict[int, dict[str, int]] = {}
    others_by_unit: dict[int, list[dict]] = {}
    messages, texts = [], []
    for membership in digest_recipients():
        counts = counts_by_unit.get(membership.unit_id)
        if counts is None:
            counts = counts_by_unit[membership.unit_id] = warning_counts(membership.unit, now=now)
            others_by_unit[membership.unit_id] = pending_work(membership.unit, now)
        others = others_by_unit[membership.unit_id]
        if not any(counts.values()) and not others:
            continue
        digest = officer_digest(membership, now=now, counts=counts, others=others)
        messages.append(EmailMessage(digest_subject(digest), digest_text(digest), settings.DEFAULT_FROM_EMAIL,
                                     [membership.user.email]))
        phone = phone_of(membership)
        if phone:
            texts.append((phone, digest_sms(digest)))
    sent = 0
    if messages:
        sent = get_connection(fail_silently=True).send_messages(messages) or 0
    if texts:
        backend = get_sms_backend()
        for phone, text in texts:
            try:
                backend.send(phone, text)
            except Exception:  # one failed SMS must not stop the others
                logger.exception("daily digest SMS to %s failed", phone)
    logger.info("daily digests: %s e-mails, %s SMS", sent, len(texts))
    return sent
