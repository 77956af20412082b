from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .access import get_unit_for_user, workplace_of
from .db import VietnameseOrder
from .deadlines import compute_due
from .documents import desk_name
from .forms import DueDateForm
from .models import AdministrativeUnit, Agency, Holiday, StaffMembership, UnitSuccession
from .permissions import RULES, WHERE_LABELS
from .scope import Scope
from .selectors import work_calendar


def home(request: HttpRequest) -> HttpResponse:
    """What the person has to do now (reports.homes), and today's working time; for someone not signed
    in, the public front door (dossiers.public.views.front_door)."""
    if not request.user.is_authenticated:
        from dossiers.public.views import front_door

        return front_door(request)
    # The home gathers the work of every app, so its parts are read where all of them can be: the
    # top app (reports.homes), each part through the selector of the list it links to.
    from reports.homes import home_for

    unit = workplace_of(request.user)
    calendar = work_calendar()
    now = timezone.localtime()
    today = now.date()
    home = home_for(request.user, unit, now=now)
    context = {
        "unit": unit,
        "home": home,
        "is_working_day": calendar.is_working_day(today),
        "next_working_moment": calendar.next_working_moment(now),
        "upcoming_holidays": Holiday.objects.filter(date__gte=today).order_by("date")[:5],
    }
    if unit is not None and not home.has_tasks:
        context["subtree_counts"] = unit.descendants().aggregate(
            total=Count("id"),
            districts=Count("id", filter=Q(level="district")),
            communes=Count("id", filter=Q(level="commune")),
        )
        context["agency_count"] = Agency.objects.for_unit(unit).count()
    return render(request, "motcua/home.html", context)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = AdministrativeUnit.objects.for_user(request.user).annotate(agency_count=Count("agencies"))
    query = request.GET.get("q", "").strip()
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code=query))
    page = Paginator(units.order_by("path"), 100).get_page(request.GET.get("page"))
    return render(request, "motcua/unit_list.html", {"page": page, "query": query})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    scope = Scope.of(request.user)
    # Ancestors above the user's own unit are named but not linked: they are outside its scope.
    breadcrumbs = [(ancestor, scope.contains(ancestor)) for ancestor in unit.ancestors()]
    context = {
        "unit": unit,
        "desk": desk_name(unit, timezone.localdate()),
        "breadcrumbs": breadcrumbs,
        "children": AdministrativeUnit.objects.children_in_force(unit).annotate(
            agency_count=Count("agencies", distinct=True),
            child_count=Count("children", filter=Q(children__valid_to__isnull=True), distinct=True),
        ).order_by(VietnameseOrder("name")),
        "former_children": unit.children.filter(valid_to__isnull=False).order_by("-valid_to", VietnameseOrder("name")),
        "predecessors": UnitSuccession.objects.filter(successor=unit).select_related("predecessor").order_by("position"),
        "successors": UnitSuccession.objects.filter(predecessor=unit).select_related("successor").order_by("-primary"),
        "agencies": unit.agencies.order_by("kind", "name"),
        "staff": StaffMembership.objects.filter(unit=unit)
        .select_related("user", "agency")
        .order_by("role", "user__last_name"),
    }
    return render(request, "motcua/unit_detail.html", context)


@login_required
def working_calendar(request: HttpRequest) -> HttpResponse:
    calendar = work_calendar()
    today = timezone.localdate()
    year = today.year
    try:
        asked = int(request.GET.get("year", year))
    except ValueError:
        asked = year
    # Only the years a calendar can be kept for: ?year=0 or 10000 made the holidays' date__year
    # lookup build an impossible date (a 500).
    if 2000 <= asked <= 2100:
        year = asked
    form = DueDateForm(request.GET if "received_at" in request.GET else None)
    result = None
    if form.is_valid():
        # The function intake uses (0 days: the end of the working day counting starts in).
        start, due = compute_due(
            received_at=form.cleaned_data["received_at"], processing_days=form.cleaned_data["processing_days"],
            cutoff=None, calendar=calendar,
        )
        result = {"start": start, "due": due}
    holidays = Holiday.objects.filter(date__year=year).order_by("date")
    return render(
        request,
        "motcua/calendar.html",
        {
            "form": form,
            "result": result,
            "holidays": holidays,
            "year": year,
            "sessions": calendar.sessions,
            "previous_year": year - 1,
            "next_year": year + 1,
        },
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and docker-compose: the database answers, the cache answers."""
    from django.core.cache import cache

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, don't crash: this page exists to say what is down
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def permission_table(request: HttpRequest) -> HttpResponse:
    """Who may do what, read-only, in the admin: the rows of motcua.permissions.RULES as they are."""
    from django.contrib import admin

    from .models import Role

    roles = list(Role.choices)
    rows = [
        {"action": action, "label": rule.label, "where": WHERE_LABELS[rule.where],
         "roles": [value in rule.roles for value, _label in roles]}
        for action, rule in RULES.items()
    ]
    context = {**admin.site.each_context(request), "title": _("Who may do what"), "roles": roles, "rows": rows}
    return render(request, "admin/permission_table.html", context)
