"""The desk and processing screens: intake (or refusal) with the live due moment, the desk board and
its search, a dossier's page with the steps allowed now, each step's POST, the officer's queue.

Views stay thin: fetch through ``dossiers.access``, validate a form, call a service, redirect.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.audit import log_access
from motcua.documents import desk_name
from motcua.models import AdministrativeUnit, JobStatus
from motcua.periods import local_day
from motcua.permissions import can
from motcua.scope import Scope
from procedures.services import CatalogueError

from . import selectors
from .access import get_dossier_for_user
from . import files as dossier_files
from . import scan_jobs
from .file_forms import FileRemoveForm, FileReplaceForm, ScanComponentForm
from .forms import ComponentForm, IntakeForm, MomentField, ResultFileForm, StepForm
from .models import Apology, Dossier, DossierFile, FileRole, PauseKind, ReceivedComponent, ReceivedForm, ScanJob, Status
from .numbering import NumberingError
from .services import STEPS, Applicant, TransitionError, dossier_receive, dossier_refuse


def _staff(user) -> AdministrativeUnit | None:
    """The staff member's unit (None for a superuser without one); an account without a unit gets 403."""
    return Scope.of(user).own_unit()


# -- intake ---------------------------------------------------------------------------------------


def _applicant(data: dict) -> Applicant:
    return Applicant(
        name=data["applicant_name"], id_number=data["applicant_id_number"], phone=data["applicant_phone"],
        address=data["applicant_address"], email=data["applicant_email"], kind=data["applicant_kind"],
        notify_opt_out=data.get("notify_opt_out", False),
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    unit = _staff(request.user)
    if unit is None or not can(request.user, "dossier.receive", unit):
        raise PermissionDenied
    now = timezone.now()
    procedures = selectors.intake_procedures(unit)
    # A desk officer back-dates within today only; an administrator may enter an earlier paper dossier.
    may_backdate = can(request.user, "dossier.backdate", unit)
    kwargs = {"unit": unit, "procedures": procedures, "now": now, "may_backdate": may_backdate}
    if request.method == "POST":
        form = IntakeForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form.refusing:
                    dossier = dossier_refuse(
                        unit=unit, procedure=data["procedure"], applicant=_applicant(data), by=request.user,
                        reason=data["refusal_reason"], channel=data["channel"], at=data["received_at"] or now,
                    )
                    messages.warning(request, _("Dossier %(code)s was refused: print the refusal slip for the applicant.")
                                     % {"code": dossier.code})
                    return redirect("dossiers:detail", code=dossier.code)
                dossier = dossier_receive(
                    unit=unit, procedure=data["procedure"], applicant=_applicant(data), by=request.user,
                    channel=data["channel"], received_at=data["received_at"] or now,
                    handling_unit=data["handling_unit"], paid_online=data["paid_online"], notes=data["notes"].strip(),
                    components_received=data.get("components_received", {}),
                )
            except (TransitionError, NumberingError, CatalogueError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Dossier %(code)s received; the result is due at %(due)s.")
                    % {"code": dossier.code, "due": selectors.format_short(dossier.due_at)},
                )
                return redirect(reverse("dossiers:detail", kwargs={"code": dossier.code}) + "?received=1")
    else:
        initial = {}
        if request.GET.get("procedure"):
            initial["procedure"] = request.GET["procedure"].strip()[:40]
        form = IntakeForm(initial=initial, **kwargs)
    return render(request, "dossiers/intake.html", _intake_context(request, form, unit))


def _intake_context(request, form: IntakeForm, unit: AdministrativeUnit) -> dict:
    procedure = form.procedure_for_display()
    preview = None
    if procedure is not None:
        moment = form.cleaned_data.get("received_at") if hasattr(form, "cleaned_data") else None
        try:
            preview = selectors.due_preview(procedure=procedure, received_at=moment or timezone.now(), unit=unit)
        except CatalogueError:
            preview = None
    for component in (preview or {}).get("components", []):
        # What was typed per component (received as, number), kept when the form comes back with an error.
        key = str(component["id"])
        component["received_as"] = request.POST.get(f"form-{key}", "")
        component["copies_typed"] = request.POST.get(f"copies-{key}", "")[:3]
    return {
        "form": form,
        "unit": unit,
        "options": selectors.procedure_options(unit),
        "preview": preview,
        "checked_components": set(request.POST.getlist("components")),
        "received_typed": any(value for key, value in request.POST.items() if key.startswith(("form-", "copies-"))),
        "received_choices": [(value, label) for value, label in ReceivedForm.choices if value != ReceivedForm.NOT_RECEIVED],
        "handling_units": form.unit_choices,
    }


@login_required
@require_GET
def due_preview(request: HttpRequest) -> JsonResponse:
    """JSON for intake: the counting start and due moment of a procedure received at a moment (now by default)."""
    unit = _staff(request.user)
    code = request.GET.get("procedure", "").strip().split(" ")[0]
    procedure = selectors.intake_procedures(unit).filter(code=code).first() if code else None
    if procedure is None:
        return JsonResponse({"error": _("No procedure with this code is posted at your unit.")}, status=404)
    received_at = timezone.now()
    if request.GET.get("received_at", "").strip():
        try:
            received_at = MomentField().clean(request.GET["received_at"].strip())
        except django_forms.ValidationError:
            return JsonResponse({"error": _("The receipt moment is not a date and time (dd/mm/yyyy hh:mm).")}, status=400)
    try:
        data = selectors.due_preview(procedure=procedure, received_at=received_at, unit=unit)
    except CatalogueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(data)


# -- the desk board -------------------------------------------------------------------------------


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    unit = _staff(request.user)
    now = timezone.now()
    query = request.GET.get("q", "").strip()[:200]
    results = None
    if query:
        results = selectors.page_slice(selectors.search_dossiers(request.user, query), request.GET.get("page"))
        results.rows = selectors.with_states(results.rows, now)
    context = {
        "unit": unit,
        # The desk's name is the unit's (motcua.documents): "Trung tâm Phục vụ hành chính công xã Tân Kỳ".
        "desk": desk_name(unit, local_day(now)) if unit is not None else "",
        "query": query,
        "results": results,
        # A search shows only its results: the officer at the counter is looking for one citizen's
        # dossier, and the panels (four more queries and up to 80 rows) are one "Clear" away.
        "panels": [] if query else selectors.board_panels(request.user, now=now),
        "can_receive": unit is not None and can(request.user, "dossier.receive", unit),
        "now": now,
    }
    return render(request, "dossiers/board.html", context)


# -- the processing queue ---------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    unit = _staff(request.user)
    now = timezone.now()
    page = Paginator(selectors.processing_queue(request.user), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_states(page.object_list, now)
    return render(request, "dossiers/queue.html", {"unit": unit, "page": page, "rows": rows, "now": now})


# -- one dossier ----------------------------------------------------------------------------------


def _transfer_kwargs(dossier: Dossier) -> dict:
    units = selectors.transfer_units(dossier)
    return {"units": units, "agencies": selectors.agencies_of(units), "officers": selectors.officers_of(units)}


def _action_form(action: str, dossier: Dossier, data=None, files=None) -> StepForm:
    kwargs = _transfer_kwargs(dossier) if action == "transfer" else {}
    return STEPS[action].form(data, files, dossier=dossier, prefix=action, **kwargs)


def _detail_context(request, dossier: Dossier, *, bound: StepForm | None = None, files: dict | None = None) -> dict:
    now = timezone.now()
    # The apologies once; Dossier.apology (the latest, the citizen's appointment) reads them prefetched.
    prefetch_related_objects([dossier], Prefetch("apologies", queryset=Apology.objects.select_related("unit", "agency", "stage")))
    home = Scope.of(request.user).root
    selectors.with_states([dossier], now)
    actions = []
    for index, name in enumerate(STEPS.permitted(request.user, dossier)):
        form = bound if bound is not None and bound.prefix == name else _action_form(name, dossier)
        actions.append({"name": name, "label": STEPS[name].label, "form": form, "open": form is bound, "primary": index == 0})
    pauses = list(dossier.pauses.order_by("started_at"))
    return {
        "dossier": dossier,
        "events": selectors.dossier_events(dossier),
        "pauses": pauses,
        "apology": dossier.apology,
        "apologies": list(dossier.apologies.all()),
        "stages": list(dossier.stages.select_related("unit", "agency", "ended_by")),
        "actions": actions,
        "just_received": request.GET.get("received") == "1",
        # The form a step just made, offered at once as the intake offers its slip (?printed=<form>).
        "print_now": _print_now(request.GET.get("printed", ""), dossier, pauses),
        "asked_for_supplements": any(p.kind == PauseKind.SUPPLEMENT for p in pauses),
        "stopped": dossier.status in (Status.RETURNED_UNRESOLVED, Status.WITHDRAWN),
        "refused": dossier.status == Status.REFUSED,
        "can_receive": home is not None and can(request.user, "dossier.receive", home),
        "now": now,
        **_files_context(request, dossier, **(files or {})),
    }


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = get_dossier_for_user(request.user, code)
    log_access(request=request, table=Dossier._meta.db_table, row_id=dossier.pk)
    return render(request, "dossiers/detail.html", _detail_context(request, dossier))


# The form a step makes, to print right after it: step → (form's URL name, button label).
PRINT_AFTER = {
    "apologise": ("apology-pdf", gettext_lazy("Print the apology (Phiếu xin lỗi và hẹn lại ngày trả kết quả)")),
    "pause": ("supplement-pdf", gettext_lazy("Print the request for supplements (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)")),
    "withdraw": ("stop-pdf", gettext_lazy("Print the notice that processing stopped")),
    "return_unresolved": ("stop-pdf", gettext_lazy("Print the notice that processing stopped")),
}


def _print_now(step: str, dossier: Dossier, pauses) -> dict | None:
    if step not in PRINT_AFTER:
        return None
    if step == "pause" and not (pauses and pauses[-1].kind == PauseKind.SUPPLEMENT):
        return None  # a pause for verification prints nothing for the citizen
    name, label = PRINT_AFTER[step]
    return {"url": reverse(f"forms:{name}", kwargs={"code": dossier.code}), "label": label}


@login_required
@require_POST
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in STEPS:
        raise Http404
    dossier = get_dossier_for_user(request.user, code, action=action)
    form = _action_form(action, dossier, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "dossiers/detail.html", _detail_context(request, dossier, bound=form), status=400)
    step = STEPS[action]
    try:
        step.service(dossier=dossier, by=request.user, **form.arguments())
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        dossier.refresh_from_db(fields=["due_at"])
        messages.success(request, str(step.done) % {"code": dossier.code, "due": selectors.format_short(dossier.due_at)})
        if action in PRINT_AFTER:
            return redirect(f"{reverse('dossiers:detail', kwargs={'code': dossier.code})}?{urlencode({'printed': action})}")
    return redirect("dossiers:detail", code=dossier.code)


# -- the components and files of a dossier ------------------------------------------------------------


def _may_change(request, dossier: Dossier, dossier_file: DossierFile) -> bool:
    """Remove or replace a file: ``dossier.files`` on the dossier; a result file asks ``dossier.resolve`` too."""
    if dossier_file.removed_at is not None or dossier.status == Status.REFUSED:
        return False
    if not can(request.user, "dossier.files", dossier):
        return False
    return dossier_file.role != FileRole.RESULT or can(request.user, "dossier.resolve", dossier)


def _files_context(request, dossier: Dossier, *, bound_component: ComponentForm | None = None,
                   bound_result: ResultFileForm | None = None, bound_file: django_forms.Form | None = None) -> dict:
    """The components received with their files (a removed file struck through, with who, when and why),
    the result's files, what the user may do with them, and the citizen's earlier files to reuse (a view
    of personal data: logged once per page)."""
    may_edit = dossier.status != Status.REFUSED and can(request.user, "dossier.files", dossier)
    files = list(dossier.files.select_related("uploaded_by", "removed_by", "reused_from__dossier", "replaced_by")
                 .order_by("uploaded_at", "pk"))
    for dossier_file in files:
        dossier_file.remove_form = dossier_file.replace_form = None
        if _may_change(request, dossier, dossier_file):
            bound = bound_file if bound_file is not None and bound_file.dossier_file.pk == dossier_file.pk else None
            dossier_file.remove_form = bound if isinstance(bound, FileRemoveForm) and not isinstance(bound, FileReplaceForm) \
                else FileRemoveForm(dossier_file=dossier_file)
            dossier_file.replace_form = bound if isinstance(bound, FileReplaceForm) else FileReplaceForm(dossier_file=dossier_file)
            dossier_file.change_open = bound is not None
    components = []
    for component in dossier.received_components.all():
        form = None
        if may_edit:
            form = bound_component if bound_component is not None and bound_component.component.pk == component.pk \
                else ComponentForm(component=component)
        components.append({
            "component": component, "form": form, "open": form is not None and form is bound_component,
            "files": [f for f in files if f.component_id == component.pk],
            "current": [f for f in files if f.component_id == component.pk and f.removed_at is None],
        })
    results = [f for f in files if f.role == FileRole.RESULT]
    may_attach_result = (
        not [f for f in results if f.removed_at is None] and dossier.status in (Status.RESOLVED, Status.RETURNED)
        and can(request.user, "dossier.resolve", dossier)
    )
    reusable = dossier_files.reusable_files(dossier, request.user) if may_edit and components else []
    if reusable:  # the citizen's earlier files, found by CCCD number: personal data shown to the desk
        log_access(request=request, table=DossierFile._meta.db_table, row_id=dossier.pk, action="view",
                   detail={"dossier": dossier.code, "reusable_files": [f.pk for f in reusable]})
    return {
        "components": components,
        "result_files": results,
        "result_form": (bound_result or ResultFileForm()) if may_attach_result else None,
        "reusable": reusable,
        "reuse_targets": [c["component"] for c in components],
        "file_limit": dossier_files.max_bytes_text(),
    }


def _to_components(dossier: Dossier) -> HttpResponse:
    return redirect(reverse("dossiers:detail", kwargs={"code": dossier.code}) + "#components")


@login_required
@require_POST
def component_save(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Record what was received of one component and attach the pages scanned for it (many or large
    pages by a scan job, whose page shows the progress)."""
    dossier = get_dossier_for_user(request.user, code, action="files")
    if dossier.status == Status.REFUSED:
        raise PermissionDenied
    component = ReceivedComponent.objects.filter(dossier=dossier, pk=pk).first()
    if component is None:
        raise Http404
    form = ScanComponentForm(request.POST, request.FILES, component=component)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dossier_files.component_update(
                dossier=dossier, component=component, form=data["received_as"], copies=data["copies"] or 0,
                prepared=data["prepared"], by=request.user,
            )
            job = scan_jobs.scan_job_start(dossier=dossier, component=component, uploads=data["uploads"],
                                           by=request.user) if data["uploads"] else None
        except dossier_files.FileRefused as error:
            form.add_error(None, str(error))
        else:
            if job is not None:
                return redirect("dossiers:scan-job", code=dossier.code, pk=job.pk)
            if data["prepared"] is not None:
                messages.success(request, _("The file of “%(name)s” is kept (%(pages)s pages).")
                                 % {"name": component.name, "pages": data["prepared"].pages})
            else:
                messages.success(request, _("“%(name)s” is recorded.") % {"name": component.name})
            return _to_components(dossier)
    context = _detail_context(request, dossier, files={"bound_component": form})
    return render(request, "dossiers/detail.html", context, status=400)


@login_required
@require_POST
def result_attach(request: HttpRequest, code: str) -> HttpResponse:
    """Attach the result file of a dossier resolved without one."""
    dossier = get_dossier_for_user(request.user, code, action="resolve")
    if dossier.status not in (Status.RESOLVED, Status.RETURNED):
        raise PermissionDenied
    if dossier.files.filter(role=FileRole.RESULT, removed_at__isnull=True).exists():
        messages.error(request, _("This dossier already has its result file."))
        return redirect("dossiers:detail", code=dossier.code)
    form = ResultFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "dossiers/detail.html", _detail_context(request, dossier, files={"bound_result": form}), status=400)
    dossier_files.result_file_add(dossier=dossier, prepared=form.cleaned_data["result_file"], by=request.user)
    messages.success(request, _("The result file of dossier %(code)s is kept.") % {"code": dossier.code})
    return redirect(reverse("dossiers:detail", kwargs={"code": dossier.code}) + "#files")


@login_required
@require_POST
def file_reuse(request: HttpRequest, code: str) -> HttpResponse:
    """Attach one of the citizen's earlier files to a component without scanning it again."""
    dossier = get_dossier_for_user(request.user, code, action="files")
    if dossier.status == Status.REFUSED:
        raise PermissionDenied
    component = ReceivedComponent.objects.filter(dossier=dossier, pk=_int(request.POST.get("component"))).first()
    offered = {f.pk: f for f in dossier_files.reusable_files(dossier, request.user)}
    source = offered.get(_int(request.POST.get("file")))
    if component is None or source is None:
        messages.error(request, _("Choose one of the citizen's earlier files and the component it is for."))
        return redirect(reverse("dossiers:detail", kwargs={"code": dossier.code}) + "#reuse")
    try:
        dossier_files.file_reuse(dossier=dossier, component=component, source=source, by=request.user)
    except dossier_files.FileRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("“%(file)s” from dossier %(from)s is attached to “%(name)s” without scanning again.")
                         % {"file": source.original_name, "from": source.dossier.code, "name": component.name})
    return _to_components(dossier)


def _changeable_file(request, code: str, pk: int) -> tuple[Dossier, DossierFile]:
    """The dossier (in scope, ``dossier.files`` on it: else 404/403) and its file the user may change."""
    dossier = get_dossier_for_user(request.user, code, action="files")
    dossier_file = DossierFile.objects.select_related("component").filter(dossier=dossier, pk=pk).first()
    if dossier_file is None:
        raise Http404
    if dossier.status == Status.REFUSED or (
        dossier_file.role == FileRole.RESULT and not can(request.user, "dossier.resolve", dossier)
    ):
        raise PermissionDenied
    return dossier, dossier_file


def _log_change(request, dossier: Dossier, dossier_file: DossierFile, **detail) -> None:
    """A file removed or replaced is recorded in the audit log, as downloads are."""
    log_access(request=request, table=DossierFile._meta.db_table, row_id=dossier_file.pk, action="update",
               detail={"dossier": dossier.code, "sha256": dossier_file.sha256, **detail})


def _file_form_error(request, dossier: Dossier, form) -> HttpResponse:
    context = _detail_context(request, dossier, files={"bound_file": form})
    return render(request, "dossiers/detail.html", context, status=400)


@login_required
@require_POST
def file_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Remove a wrong file with its reason: it stays in the storage and in the list, struck through."""
    dossier, dossier_file = _changeable_file(request, code, pk)
    form = FileRemoveForm(request.POST, dossier_file=dossier_file)
    if form.is_valid():
        try:
            dossier_files.file_remove(dossier=dossier, dossier_file=dossier_file, reason=form.cleaned_data["reason"],
                                      by=request.user)
        except dossier_files.FileRefused as error:
            form.add_error(None, str(error))
        else:
            _log_change(request, dossier, dossier_file, removed=True, reason=dossier_file.removal_reason)
            messages.success(request, _("“%(file)s” is removed from the dossier; it stays in its history.")
                             % {"file": dossier_file.original_name})
            return _to_components(dossier)
    return _file_form_error(request, dossier, form)


@login_required
@require_POST
def file_replace(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Store a new file (or pages) in place of a wrong one; the old one stays, struck through."""
    dossier, dossier_file = _changeable_file(request, code, pk)
    form = FileReplaceForm(request.POST, request.FILES, dossier_file=dossier_file)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["uploads"]:
                if dossier_file.removed_at is not None:
                    raise dossier_files.FileRefused(_("This file was already removed."))
                job = scan_jobs.scan_job_start(dossier=dossier, component=dossier_file.component, uploads=data["uploads"],
                                               by=request.user, replaces=dossier_file, reason=data["reason"])
                _log_change(request, dossier, dossier_file, replacing=True, reason=data["reason"], scan_job=job.pk)
                return redirect("dossiers:scan-job", code=dossier.code, pk=job.pk)
            new = dossier_files.file_replace(dossier=dossier, dossier_file=dossier_file, prepared=data["prepared"],
                                             reason=data["reason"], by=request.user)
        except dossier_files.FileRefused as error:
            form.add_error(None, str(error))
        else:
            _log_change(request, dossier, dossier_file, removed=True, reason=dossier_file.removal_reason, replaced_by=new.pk)
            messages.success(request, _("“%(old)s” is replaced by “%(new)s”; the old file stays in the dossier's history.")
                             % {"old": dossier_file.original_name, "new": new.original_name})
            return _to_components(dossier)
    return _file_form_error(request, dossier, form)


# The job page reloads itself this often while the pages are checked and joined.
SCAN_REFRESH_SECONDS = 2


@login_required
@require_GET
def scan_job(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A scan job's progress (the page reloads itself), then back to the dossier when it is done; its
    message when a page was refused (nothing kept)."""
    dossier = get_dossier_for_user(request.user, code, action="files")
    job = ScanJob.objects.select_related("component", "result").filter(dossier=dossier, pk=pk).first()
    if job is None:
        raise Http404
    if job.status == JobStatus.QUEUED and job.sent_at is None:
        scan_jobs.scan_job_send(job.pk)  # the broker was down when the pages were uploaded: try again
        job.refresh_from_db()
    if job.status == JobStatus.DONE and job.result is not None:
        messages.success(request, _("The file of “%(name)s” is kept (%(pages)s pages).")
                         % {"name": job.component.name, "pages": job.result.pages})
        return _to_components(dossier)
    response = render(request, "dossiers/files/scan_job.html", {"dossier": dossier, "job": job})
    if job.is_active:
        response["Refresh"] = str(SCAN_REFRESH_SECONDS)  # the page reloads itself until the job ends
    return response


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def stream_file(dossier_file: DossierFile) -> FileResponse:
    """The stored file as a download: its own type, the citizen's file name, never cached."""
    response = FileResponse(
        dossier_files.open_file(dossier_file), as_attachment=True, filename=dossier_file.original_name,
        content_type=dossier_file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def file_download(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """One file of a dossier the user sees (dossiers.access), logged as a view of personal data; a removed
    file stays downloadable for the trail."""
    dossier = get_dossier_for_user(request.user, code)
    dossier_file = DossierFile.objects.filter(dossier=dossier, pk=pk).first()
    if dossier_file is None:
        raise Http404
    log_access(request=request, table=DossierFile._meta.db_table, row_id=dossier_file.pk, action="export",
               detail={"dossier": dossier.code, "sha256": dossier_file.sha256})
    return stream_file(dossier_file)
