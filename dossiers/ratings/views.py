"""Satisfaction (đánh giá sự hài lòng), mounted at /danh-gia/: three ways in, one model.

- The counter tablet (kiosk): no sign-in and no session. An administrator or a unit leader registers
  the tablet; its activation link leaves a long-lived HttpOnly cookie holding the tablet's own token,
  and every kiosk page authenticates the device from it. The kiosk views never touch
  ``request.session`` or ``request.user`` and render without the request, so no session cookie is set.
- Online by dossier code and the last 4 digits of the phone, with the public lookup's rules: the same
  answer for "no such code" and "wrong digits", the same rate limits, only a closed dossier, once.
- Paper forms typed in by staff, and the leader's figures with the list of "Không hài lòng" ratings.

Views stay thin: a unit through motcua.access, a form, a write through dossiers/ratings/services.py.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from motcua.access import get_unit_for_user, staff_unit, unit_choices
from motcua.permissions import can, require
from motcua.calendar import VN_TZ
from motcua.periods import day_bounds, quarter_containing
from motcua.models import AdministrativeUnit

from dossiers.ratings.services import FeedbackError, kiosk_authenticate, kiosk_register, rating_record
from dossiers.models import Dossier, KioskDevice, RatingChannel, RatingLevel, Status
from dossiers.printing.documents import qr_svg
from dossiers.public import passes
from dossiers.public.views import CODE_MAX_LENGTH
from dossiers.ratings.forms import KioskRatingForm, KioskRegisterForm, OnlineCheckForm, OnlineRatingForm, PaperRatingForm, WindowForm
from dossiers.ratings.support import (
    devices_of,
    dossier_for_citizen,
    get_device_for_user,
    kiosk_deactivate,
    may_be_rated_online,
    rated_online,
    recent_paper_forms,
    satisfaction_page,
    unsatisfied_ratings,
)
from dossiers.public.ratelimit import LOOKUP_PER_ADDRESS, LOOKUP_PER_CODE, Rate, client_address, hit

KIOSK_COOKIE = "motcua_kiosk"
KIOSK_COOKIE_AGE = 365 * 24 * 60 * 60
# A citizen rates once; a tablet at a busy desk sees a few ratings a minute. Past this, someone is
# tapping for the sake of it.
KIOSK_PER_DEVICE = Rate("kiosk-device", 20, 60)
THANKS_SECONDS = 5
UNSATISFIED_PAGE_SIZE = 25
# Who registers and switches off the counter tablets (superusers always may).


def _plain(request: HttpRequest, template: str, context: dict, *, status: int = 200, csrf: bool = False) -> HttpResponse:
    """A page rendered without the request (no session, no user, nothing about a signed-in officer)
    and kept by no cache; ``csrf`` adds the token its form posts back.

    The site's referrer policy (same-origin) stays: with "no-referrer" the browser would post the
    forms with ``Origin: null``, which Django's CSRF check refuses."""
    if csrf:
        context = {**context, "csrf_token": get_token(request)}
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Cache-Control"] = "no-store"
    return response


def _too_many(request: HttpRequest, template: str, retry_after: int, context: dict | None = None) -> HttpResponse:
    context = {**(context or {}), "retry_after": retry_after, "retry_minutes": math.ceil(retry_after / 60)}
    response = _plain(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


# -- the counter tablet (kiosk) ----------------------------------------------------------------------


def _kiosk_device(request: HttpRequest) -> KioskDevice | None:
    return kiosk_authenticate(request.COOKIES.get(KIOSK_COOKIE))


def _not_registered(request: HttpRequest) -> HttpResponse:
    return _plain(request, "dossiers/ratings/kiosk_unregistered.html", {}, status=403)


@require_safe
def kiosk_activate(request: HttpRequest, token: str) -> HttpResponse:
    """Opened once on the tablet: leave the token in a long-lived cookie, then go to the rating page
    (whose URL never carries the token)."""
    device = kiosk_authenticate(token)
    if device is None:
        return _not_registered(request)
    response = redirect("ratings:kiosk")
    response.set_cookie(
        KIOSK_COOKIE, token, max_age=KIOSK_COOKIE_AGE, path=reverse("ratings:kiosk"),
        httponly=True, samesite="Strict", secure=settings.SESSION_COOKIE_SECURE,
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest) -> HttpResponse:
    device = _kiosk_device(request)
    if device is None:
        return _not_registered(request)
    status = 200
    if request.method == "POST":
        retry_after = hit(KIOSK_PER_DEVICE, str(device.pk))
        if retry_after:
            return _too_many(request, "dossiers/ratings/kiosk_rate_limited.html", retry_after, {"device": device})
        form = KioskRatingForm(request.POST, unit=device.unit)
        if form.is_valid():
            try:
                rating_record(
                    level=form.cleaned_data["level"], channel=RatingChannel.KIOSK, device=device,
                    dossier=form.dossier(), criteria=form.criteria(), comment=form.cleaned_data["comment"],
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                return redirect("ratings:kiosk-thanks")
        status = 400
    else:
        form = KioskRatingForm(unit=device.unit)
    context = {"form": form, "device": device, "levels": RatingLevel.choices}
    return _plain(request, "dossiers/ratings/kiosk.html", context, status=status, csrf=True)


@require_safe
def kiosk_thanks(request: HttpRequest) -> HttpResponse:
    device = _kiosk_device(request)
    if device is None:
        return _not_registered(request)
    return _plain(request, "dossiers/ratings/kiosk_thanks.html", {"device": device, "seconds": THANKS_SECONDS})


# -- online, by dossier code -------------------------------------------------------------------------


def _public_dossier(dossier: Dossier) -> dict:
    """What the rating page shows of the dossier: the public lookup's fields, nothing personal."""
    return {
        "code": dossier.code,
        "status_label": dict(Status.choices).get(dossier.status, dossier.status),
        "procedure_name": dossier.procedure.name,
        "unit_name": dossier.receiving_unit.name,
        "received_at": dossier.received_at,
        "resolved_at": dossier.resolved_at,
    }


@require_http_methods(["GET", "POST"])
def online(request: HttpRequest) -> HttpResponse:
    """Step one: the code (``?code=`` fills it in) and the phone's last 4 digits; step two, once they
    match a closed dossier not rated online yet: the rating itself. Both steps check the digits again.

    From the public lookup, a signed pass (``?t=``, dossiers.public.passes) stands for the digits just
    checked there: the page opens at step two, and the rating posts the pass back instead of the digits."""
    template = "dossiers/ratings/online.html"
    data = request.POST if request.method == "POST" else request.GET
    if data.get(passes.FIELD):
        return _online_with_pass(request, data[passes.FIELD])
    if request.method != "POST":
        prefill = request.GET.get("code", "").strip()[:CODE_MAX_LENGTH]
        check = OnlineCheckForm(initial={"code": prefill})
        return _plain(request, template, {"check": check, "stage": "check", "nav": "rating"}, csrf=True)
    check = OnlineCheckForm(request.POST)
    if not check.is_valid():
        return _plain(request, template, {"check": check, "stage": "check", "nav": "rating"}, status=400, csrf=True)
    code, phone4 = check.cleaned_data["code"], check.cleaned_data["phone4"]
    # The same budget as the public lookup: both answer whether these digits fit this code.
    retry_after = hit(LOOKUP_PER_ADDRESS, client_address(request)) or hit(LOOKUP_PER_CODE, code.upper())
    if retry_after:
        return _too_many(request, "dossiers/ratings/online_rate_limited.html", retry_after)
    dossier = dossier_for_citizen(code, phone4)
    if dossier is None:
        return _plain(request, template, {"check": check, "stage": "check", "not_found": True, "nav": "rating"}, csrf=True)
    return _rating_stage(request, dossier, {"check": check})


def _online_with_pass(request: HttpRequest, token: str) -> HttpResponse:
    """The rating opened from the lookup: the pass names the dossier; an expired or forged one sends the
    citizen back to step one with a word of why."""
    dossier = passes.dossier_of(token)
    if dossier is None:
        check = OnlineCheckForm()
        context = {"check": check, "stage": "check", "pass_expired": True, "nav": "rating"}
        return _plain(request, "dossiers/ratings/online.html", context, status=400 if request.method == "POST" else 200, csrf=True)
    return _rating_stage(request, dossier, {"pass_token": token})


def _rating_stage(request: HttpRequest, dossier: Dossier, context: dict) -> HttpResponse:
    """Step two, for a dossier whose digits were checked (now, or by the lookup's pass)."""
    template = "dossiers/ratings/online.html"
    context = {**context, "dossier": _public_dossier(dossier), "nav": "rating"}
    if not may_be_rated_online(dossier):
        return _plain(request, template, {**context, "stage": "not_yet"})
    if rated_online(dossier):
        return _plain(request, template, {**context, "stage": "already"})
    rating_step = request.method == "POST" and request.POST.get("step") == "rate"
    form = OnlineRatingForm(request.POST if rating_step else None)
    if rating_step and form.is_valid():
        try:
            rating_record(
                level=form.cleaned_data["level"], channel=RatingChannel.ONLINE, dossier=dossier,
                criteria=form.criteria(), comment=form.cleaned_data["comment"],
            )
        except FeedbackError as error:
            return _plain(request, template, {**context, "stage": "already", "error": str(error)})
        return redirect("ratings:online-thanks")
    status = 400 if rating_step else 200
    return _plain(request, template, {**context, "stage": "rate", "form": form}, status=status, csrf=True)


@require_safe
def online_thanks(request: HttpRequest) -> HttpResponse:
    return _plain(request, "dossiers/ratings/online_thanks.html", {"nav": "rating"})


# -- staff: the unit on screen -----------------------------------------------------------------------


def _chosen_unit(request: HttpRequest) -> AdministrativeUnit:
    """``?unit=<code>`` within the user's subtree (404 otherwise), or the user's own unit."""
    code = request.GET.get("unit", "").strip()
    if not code:
        return staff_unit(request.user)
    return get_unit_for_user(request.user, code)


def _staff_context(request: HttpRequest, unit: AdministrativeUnit, tab: str) -> dict:
    return {"unit": unit, "unit_choices": unit_choices(request.user, unit), "tab": tab}


# -- staff: the figures ------------------------------------------------------------------------------


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    unit = _chosen_unit(request)
    form = WindowForm(request.GET, default=quarter_containing(timezone.localdate()).days)
    first_day, last_day = form.window()
    start, end = day_bounds(first_day, last_day)
    unsatisfied = Paginator(unsatisfied_ratings(unit, start, end), UNSATISFIED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_staff_context(request, unit, "figures"),
        "form": form,
        "first_day": first_day,
        "last_day": last_day,
        "page": unsatisfied,
        **satisfaction_page(unit, start, end),
    }
    return render(request, "dossiers/ratings/figures.html", context)


# -- staff: paper forms ------------------------------------------------------------------------------


def _form_moment(day: date) -> datetime:
    """When a paper form counts: now if it is dated today, else midday of its date (Vietnam time)."""
    if day == timezone.localdate():
        return timezone.now()
    return datetime.combine(day, time(12, 0), tzinfo=VN_TZ)


def _typed_date(raw: str) -> date:
    try:
        return datetime.strptime(raw.strip(), "%d/%m/%Y").date()
    except ValueError:
        return timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest) -> HttpResponse:
    unit = _chosen_unit(request)
    status = 200
    if request.method == "POST":
        form = PaperRatingForm(request.POST, unit=unit)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rating_record(
                    level=data["level"], channel=RatingChannel.PAPER, unit=unit, dossier=data["dossier_code"],
                    criteria=form.criteria(), comment=data["comment"], entered_by=request.user,
                    at=_form_moment(data["rated_on"]),
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The paper form was recorded. Enter the next one."))
                query = urlencode({"unit": unit.code, "date": data["rated_on"].strftime("%d/%m/%Y")})
                return redirect(f"{reverse('ratings:paper')}?{query}")
        status = 400
    else:
        form = PaperRatingForm(initial={"rated_on": _typed_date(request.GET.get("date", ""))}, unit=unit)
    context = {
        **_staff_context(request, unit, "paper"),
        "form": form,
        "levels": RatingLevel.choices,
        "recent": recent_paper_forms(unit, request.user),
    }
    return render(request, "dossiers/ratings/paper.html", context, status=status)


# -- staff: the counter tablets ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def devices(request: HttpRequest) -> HttpResponse:
    unit = _chosen_unit(request)
    may_manage = can(request.user, "kiosk.manage", unit)
    form = KioskRegisterForm(unit=unit) if may_manage else None
    registered = None
    status = 200
    if request.method == "POST":
        require(request.user, "kiosk.manage", unit)
        form = KioskRegisterForm(request.POST, unit=unit)
        if form.is_valid():
            device, token = kiosk_register(unit=form.cleaned_data["unit"], name=form.cleaned_data["name"])
            url = request.build_absolute_uri(reverse("ratings:kiosk-activate", kwargs={"token": token}))
            # Shown this once: only its hash is stored.
            registered = {"device": device, "token": token, "url": url, "qr": qr_svg(url, scale=4)}
            form = KioskRegisterForm(unit=unit)
        else:
            status = 400
    context = {
        **_staff_context(request, unit, "devices"),
        "devices": devices_of(unit),
        "form": form,
        "may_manage": may_manage,
        "registered": registered,
    }
    response = render(request, "dossiers/ratings/devices.html", context, status=status)
    response["Cache-Control"] = "no-store"  # it may show an activation link
    return response


@login_required
@require_POST
def device_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_device_for_user(request.user, pk)
    require(request.user, "kiosk.manage", device.unit)
    kiosk_deactivate(device=device)
    messages.success(request, _("The tablet “%(name)s” of %(unit)s is switched off: it can no longer record ratings.")
                     % {"name": device.name, "unit": device.unit.name})
    # Back to the list the officer was looking at, when it shows this tablet.
    page_unit = device.unit
    back = request.POST.get("unit", "").strip()
    if back:
        try:
            shown = get_unit_for_user(request.user, back)
        except Http404:
            shown = None
        if shown is not None and shown.contains(device.unit):
            page_unit = shown
    return redirect(f"{reverse('ratings:devices')}?{urlencode({'unit': page_unit.code})}")
