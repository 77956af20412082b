"""The public lookup (tra cứu hồ sơ), mounted at /tra-cuu/: no sign-in.

A citizen gives the dossier code (the QR code on the receipt slip opens ``?code=…``) and the last
four digits of the phone they gave at the desk. Only the allow-listed fields below reach the
template: the status, the procedure, the receiving unit, the dates and the steps — never the
applicant, the officers, the notes or any internal id. "No such code" and "wrong digits" get the
same answer after the same work, and lookups are rate-limited per client address and per code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_safe

from dossiers.models import Dossier, DossierEvent, Pause, PauseKind, Status
from dossiers.public import passes
from dossiers.public.forms import CODE_MAX_LENGTH, CodeAndDigitsForm, digits_match
from dossiers.public.ratelimit import LOOKUP_PER_ADDRESS, LOOKUP_PER_CODE, client_address, hit
from motcua.deadlines import TimeLeft, time_left
from motcua.selectors import work_calendar

# What the public may see of a dossier, and nothing else (the query selects only these).
PUBLIC_DOSSIER_FIELDS = (
    "code",
    "status",
    "procedure__name",
    "receiving_unit__name",
    "received_at",
    "due_at",
    "resolved_at",
    "returned_at",
    "latest_new_due_at",  # Dossier.objects.with_latest_apology()
)
# Of each step: what happened and when; never who, where or why.
PUBLIC_STEP_FIELDS = ("action", "at")

STEP_LABELS = {
    "receive": _("Dossier received"),
    "transfer": _("Transferred for processing"),
    "start": _("Processing started"),
    "hand_on": _("Handed on to the next stage"),
    "pause": _("Processing paused"),
    "resume": _("Processing resumed"),
    "resolve": _("Resolved, result ready"),
    "return": _("Result returned"),
    "return_unresolved": _("Returned without resolution"),
    "withdraw": _("Withdrawn, processing stopped"),
    "apologise": _("Apology and new appointment"),
    "handover": _("Handed over on the reorganisation of administrative units"),
}

# Why a dossier is paused, in the words a citizen understands (the officer's own reason follows).
PAUSE_EXPLAINED = {
    PauseKind.SUPPLEMENT: _("The office is waiting for you to supplement your dossier."),
    PauseKind.VERIFICATION: _("The office is waiting for another agency to verify information in your dossier."),
    PauseKind.LEGAL: _("Processing is paused as the law provides."),
}

class LookupForm(CodeAndDigitsForm):
    """The dossier code and the last 4 digits of the phone given at the desk (dossiers.public.forms)."""


def _public_dossier(code: str, phone4: str) -> dict | None:
    """The allow-listed view of the dossier with this code and phone ending, or None.

    One query runs whether or not the code exists, and the digits are compared in constant time
    against a placeholder when it does not: both failures cost the same.
    """
    row = (
        Dossier.objects.filter(code__in={code, code.upper()})
        .exclude(status=Status.REFUSED)
        .with_latest_apology()
        .values("pk", "applicant_phone", *PUBLIC_DOSSIER_FIELDS)
        .first()
    )
    if not digits_match(row["applicant_phone"] if row else None, phone4):
        return None
    statuses = dict(Status.choices)
    return {
        "pk": row["pk"],  # to read the steps; not given to the template
        "code": row["code"],
        "status": row["status"],
        "status_label": statuses.get(row["status"], row["status"]),
        "is_pending": row["status"] in Status.pending(),
        "is_paused": row["status"] == Status.PAUSED,
        "closed_unresolved": row["status"] in (Status.RETURNED_UNRESOLVED, Status.WITHDRAWN),
        "procedure_name": row["procedure__name"],
        "unit_name": row["receiving_unit__name"],
        "received_at": row["received_at"],
        "due_at": row["due_at"],
        "new_due_at": row["latest_new_due_at"],
        "resolved_at": row["resolved_at"],
        "returned_at": row["returned_at"],
    }


def _public_steps(dossier_pk: int) -> list[dict]:
    events = (
        DossierEvent.objects.filter(dossier_id=dossier_pk, action__in=list(STEP_LABELS))
        .order_by("at", "id")
        .values(*PUBLIC_STEP_FIELDS)
    )
    return [{"label": STEP_LABELS[event["action"]], "at": event["at"]} for event in events]


def _open_pause(dossier_pk: int) -> dict | None:
    """The pause running now: its kind in plain words and the reason written for the citizen
    (what papers to bring, which agency is asked). A pause that has ended is not shown."""
    pause = Pause.objects.filter(dossier_id=dossier_pk, ended_at__isnull=True).values("kind", "reason", "started_at").first()
    if pause is None:
        return None
    return {"explained": PAUSE_EXPLAINED.get(pause["kind"], ""), "reason": pause["reason"], "since": pause["started_at"]}


def countdown(dossier: dict, *, now=None) -> TimeLeft | None:
    """The working time left before the due moment (or past it) of a dossier still being handled and not
    paused; None otherwise. The same working calendar as the due moment (motcua.deadlines)."""
    if not dossier["is_pending"] or dossier["is_paused"] or dossier["due_at"] is None:
        return None
    return time_left(dossier["due_at"], now or timezone.now(), work_calendar())


def countdown_text(left: TimeLeft) -> str:
    """"Còn 1 ngày 3 giờ làm việc", "Quá hạn 2 ngày làm việc": whole working days and hours, the zero parts
    left out; each count worded with ngettext ("1 day", "2 days"), the sentence around them once."""
    parts = []
    if left.days:
        parts.append(ngettext("%(count)s day", "%(count)s days", left.days) % {"count": left.days})
    if left.hours:
        parts.append(ngettext("%(count)s hour", "%(count)s hours", left.hours) % {"count": left.hours})
    if not parts:
        return gettext("Overdue") if left.overdue else gettext("Less than one working hour left")
    span = " ".join(parts)
    if left.overdue:
        return gettext("Overdue by %(time)s of working time") % {"time": span}
    return gettext("%(time)s of working time left") % {"time": span}


def _private(response: HttpResponse) -> HttpResponse:
    """The answer concerns one citizen: no cache may keep it, no link may carry the code away."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _too_many(retry_after: int) -> HttpResponse:
    context = {"retry_after": retry_after, "retry_minutes": math.ceil(retry_after / 60)}
    body = render_to_string("dossiers/public/rate_limited.html", context)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    return _private(response)


@dataclass
class CheckedLookup:
    """What the lookup's one check of a code and the phone digits gave (``checked_lookup``)."""

    form: LookupForm
    searched: bool = False
    found: dict | None = None  # _public_dossier's fields, with "pk"
    refusal: HttpResponse | None = None  # 429 when the rate limits say so


def checked_lookup(request: HttpRequest) -> CheckedLookup:
    """The form (code and the last phone digits) and, when sent and valid, the rate limits (per address,
    per code) and the dossier they open: the one check every public page of a dossier goes through."""
    submitted = "phone4" in request.GET
    prefill = request.GET.get("code", "").strip()[:CODE_MAX_LENGTH]
    form = LookupForm(request.GET if submitted else None, initial={"code": prefill})
    if not (submitted and form.is_valid()):
        return CheckedLookup(form)
    code, phone4 = form.cleaned_data["code"], form.cleaned_data["phone4"]
    retry_after = hit(LOOKUP_PER_ADDRESS, client_address(request)) or hit(LOOKUP_PER_CODE, code.upper())
    if retry_after:
        return CheckedLookup(form, refusal=_too_many(retry_after))
    return CheckedLookup(form, searched=True, found=_public_dossier(code, phone4))


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """The lookup form, and the dossier when the code and the phone digits match one."""
    checked = checked_lookup(request)
    if checked.refusal is not None:
        return checked.refusal
    context = {"form": checked.form, "searched": checked.searched, "dossier": None, "steps": [], "nav": "lookup"}
    found = checked.found
    if found is not None:
        pk = found.pop("pk")
        context["steps"] = _public_steps(pk)
        context["dossier"] = found
        left = countdown(found)
        context["countdown"] = {**left._asdict(), "text": countdown_text(left)} if left else None
        context["pause"] = _open_pause(pk) if found["is_paused"] else None
        if not found["is_pending"]:
            # The digits were just checked: the rating opens for this dossier without them, and the
            # electronic result (dossiers.public.files) downloads through its own short-lived links.
            context["rating_pass"] = passes.issue(found["code"])
            from .files import result_links  # files builds on this module's lookup

            context["result_files"] = result_links(pk, found["code"])
    # Rendered without the request: no session, no CSRF token, nothing about a signed-in officer.
    return _private(HttpResponse(render_to_string("dossiers/public/lookup.html", context)))


# -- the front door ------------------------------------------------------------------------------------


def office_hours() -> str:
    """The office's opening hours: settings.OFFICE_HOURS, else the working calendar's sessions."""
    if settings.OFFICE_HOURS:
        return settings.OFFICE_HOURS
    sessions = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in work_calendar().sessions)
    return _("Monday to Friday: %(sessions)s") % {"sessions": sessions}


def front_door(request: HttpRequest) -> HttpResponse:
    """``/`` for someone not signed in: the four doors (the lookup, the posted procedures, feedback,
    rating), the office's address, hours and hotline, the results made public, and the staff's sign-in.
    Rendered without the request, as the other public pages: light, and the same for every visitor."""
    from dossiers.public.results import recent_months, top_units  # the results read reports; only here

    months = recent_months(timezone.localdate())
    context = {
        "nav": "home",
        "lookup_form": LookupForm(),
        "office": {
            "name": settings.OFFICE_NAME,
            "address": settings.OFFICE_ADDRESS,
            "hours": office_hours(),
            "hotline": settings.OFFICE_HOTLINE,
        },
        "result_units": [{"unit": unit, "months": months} for unit in top_units()],
    }
    response = HttpResponse(render_to_string("motcua/public_home.html", context))
    response["Cache-Control"] = "no-cache"  # the same for everyone, but the months turn
    return response
