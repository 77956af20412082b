"""Staff screens of the catalogue: the list, a procedure's page and its history, editing, posting, importing.

Views stay thin: fetch through ``procedures.access``, validate a form, call a service, redirect.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from motcua.access import get_unit_for_user
from motcua.permissions import can
from motcua.scope import Scope
from motcua.models import AdministrativeUnit
from motcua.text import search_key

from .access import get_procedure_for_user
from .forms import (
    CatalogueFilterForm,
    ImportConfirmForm,
    ImportUploadForm,
    PostingForm,
    ProcedureForm,
    annotate_posted_at,
)
from . import import_jobs
from .importing import ImportReport
from .models import CatalogueImport, Field, ImportStage, ImportStatus, Posting, Procedure, ProcedureVersion
from .resources import COLUMN_LABELS, COLUMNS, HEADER_ALIASES, REQUIRED_COLUMNS
from .selectors import catalogue_counts
from .services import TRACKED_FIELDS, CatalogueError, posting_set, procedure_save, stages_of

PAGE_SIZE = 50
# The preview lists this many rows of a file (the counts cover them all).
PREVIEW_ROWS = 1000
IMPORT_REFRESH_SECONDS = 2


# -- the list -----------------------------------------------------------------------------------


def counts_sentence(counts: dict[str, int]) -> str:
    """The seeds' headline: "340 procedures: 269 district-level, 63 social insurance, 8 police"; by level
    when the list holds several (Procedure.objects.counts()'s ``by_level``)."""

    def n(value: int) -> str:
        return number_format(value, force_grouping=True)

    labels = [
        ("province", _("%(count)s province-level")),
        ("district", _("%(count)s district-level")),
        ("commune", _("%(count)s commune-level")),
        ("social_insurance", _("%(count)s social insurance")),
        ("military", _("%(count)s military")),
        ("police", _("%(count)s police")),
        ("land_registration", _("%(count)s land registration")),
    ]
    total = counts.get("total") or 0
    head = ngettext("%(count)s procedure", "%(count)s procedures", total) % {"count": n(total)}
    by_level = counts.get("by_level") or {}
    if len(by_level) > 1:
        # Several levels (a district's list holds its communes'): each level with its vertical sectors, as
        # the seeds count them ("340 at the district level … (269 district-level, 63 social insurance, 8 police)").
        level_labels = {
            "province": _("%(count)s at the province level, vertical sectors included"),
            "district": _("%(count)s at the district level, vertical sectors included"),
            "commune": _("%(count)s at the commune level, vertical sectors included"),
        }
        groups = []
        for level, row in by_level.items():
            split = {**row, level: row.get("local", 0)}
            parts = [label % {"count": n(split[key])} for key, label in labels if split.get(key)]
            groups.append(f"{level_labels[level] % {'count': n(row['total'])}} ({', '.join(parts)})")
        return f"{head}: {'; '.join(groups)}"
    parts = [label % {"count": n(counts[key])} for key, label in labels if counts.get(key)]
    return f"{head}: {', '.join(parts)}" if parts else head


@login_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    unit = Scope.of(request.user).own_unit()
    form = CatalogueFilterForm(request.GET, unit=unit)
    procedures = form.filter(Procedure.objects.all())
    counts = catalogue_counts(procedures)
    rows = annotate_posted_at(procedures.select_related("field"), unit).order_by("field__name", "code")
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts["total"]  # the headline already counted these rows: spare the second COUNT
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "unit": unit,
        "counts": counts,
        "counts_sentence": counts_sentence(counts),
        "whole_catalogue": form.whole_catalogue,
    }
    return render(request, "procedures/procedure_list.html", context)


# -- one procedure ------------------------------------------------------------------------------


def _change_label(name: str) -> str:
    if name == "fees":
        return _("Fees")
    if name == "components":
        return _("Dossier components")
    return capfirst(Procedure._meta.get_field(name.removesuffix("_id")).verbose_name)


def _change_value(name: str, value, names: dict[str, dict]) -> str:
    """A value recorded in a version as an officer reads it (labels, dd/mm/yyyy, 0,5)."""
    if value is None or value == "":
        return "—"
    if name == "field_id":
        return names["fields"].get(value, str(value))
    if name == "replaced_by_id":
        return names["procedures"].get(value, str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in ("fees", "components"):
        return value
    model_field = Procedure._meta.get_field(name.removesuffix("_id"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name in ("decision_date", "effective_from", "effective_until"):
        try:
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except (TypeError, ValueError):
            return str(value)
    if name == "cutoff_time":
        return str(value)[:5]
    if name == "processing_days":
        try:
            return number_format(Decimal(value))
        except (InvalidOperation, TypeError):
            return str(value)
    return str(value)


def history_of(procedure: Procedure) -> list[dict]:
    """Versions newest first, each change as (label, before, after); three queries whatever the length."""
    versions = list(procedure.versions.select_related("changed_by").order_by("-number"))
    field_ids, procedure_ids = set(), set()
    for version in versions:
        for name, pair in version.changes.items():
            target = field_ids if name == "field_id" else procedure_ids if name == "replaced_by_id" else None
            if target is not None:
                target.update(v for v in pair if v)
    names = {
        "fields": dict(Field.objects.filter(pk__in=field_ids).values_list("pk", "name")) if field_ids else {},
        "procedures": dict(Procedure.objects.filter(pk__in=procedure_ids).values_list("pk", "code")) if procedure_ids else {},
    }
    order = {name: index for index, name in enumerate([*TRACKED_FIELDS, "fees", "components"])}
    history = []
    for version in versions:
        changes = [
            {
                "label": _change_label(name) if name in order else name,
                "before": _change_value(name, before, names) if name in order else before,
                "after": _change_value(name, after, names) if name in order else after,
            }
            for name, (before, after) in sorted(version.changes.items(), key=lambda item: order.get(item[0], 999))
        ]
        history.append({"version": version, "changes": changes})
    return history


def _detail_context(request: HttpRequest, procedure: Procedure, posting_form: PostingForm | None = None) -> dict:
    unit = Scope.of(request.user).own_unit()
    # Each unit's postings, the one in force (or the last) first, then the history.
    postings = Posting.objects.filter(procedure=procedure, unit__valid_to__isnull=True).select_related("unit").order_by(
        "unit__path", F("valid_to").desc(nulls_first=True))
    postings = Scope.of(request.user).filter(postings, "unit")
    postings = list(postings)
    can_post = unit is not None and can(request.user, "posting.edit", unit)
    if can_post and posting_form is None:
        own = next((posting for posting in postings if posting.unit_id == unit.pk), None)
        posting_form = PostingForm.for_posting(unit, own)
    fees = list(procedure.fees.all())
    return {
        "procedure": procedure,
        "fees": fees,
        "fee_total": sum(fee.amount for fee in fees),
        "components": list(procedure.components.all()),
        "stages": stages_of(procedure),
        "postings": postings,
        "unit": unit,
        "posting_form": posting_form if can_post else None,
        "history": history_of(procedure),
    }


@login_required
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_procedure_for_user(request.user, code)
    return render(request, "procedures/procedure_detail.html", _detail_context(request, procedure))


@login_required
def procedure_edit(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_procedure_for_user(request.user, code, write=True)
    form = ProcedureForm(request.POST or None, instance=procedure, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed = procedure_save(
            procedure=form.instance,
            fees=form.cleaned_data["fees"],
            components=form.cleaned_data["components"],
            by=request.user,
            source=ProcedureVersion.Source.EDIT,
        )
        if changed:
            messages.success(
                request, _("The procedure was saved as version %(version)s.") % {"version": form.instance.version}
            )
        else:
            messages.info(request, _("Nothing changed: no new version was recorded."))
        return redirect("procedures:procedure-detail", code=procedure.code)
    return render(request, "procedures/procedure_form.html", {"procedure": procedure, "form": form})


@login_required
@require_POST
def posting_edit(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_procedure_for_user(request.user, code)
    own = Scope.of(request.user).own_unit()
    unit_code = request.POST.get("unit") or (own.code if own else "")
    if not unit_code:
        raise PermissionDenied
    unit = get_unit_for_user(request.user, unit_code)  # 404 outside the user's subtree
    if not can(request.user, "posting.edit", unit):
        raise PermissionDenied
    form = PostingForm(request.POST)
    posting = None
    if form.is_valid():
        try:
            posting = posting_set(
                unit=unit,
                procedure=procedure,
                is_active=form.cleaned_data["is_active"],
                posted_at_desk=form.cleaned_data["posted_at_desk"],
                posted_on_website=form.cleaned_data["posted_on_website"],
                since=form.cleaned_data["valid_from"],
                until=form.cleaned_data["valid_to"],
            )
        except CatalogueError as refused:
            form.add_error(None, str(refused))
    if not form.is_valid():
        context = _detail_context(request, procedure, posting_form=form)
        return render(request, "procedures/procedure_detail.html", context, status=400)
    if form.cleaned_data["is_active"]:
        messages.success(request, _("The posting at %(unit)s was saved.") % {"unit": unit.name})
    elif posting is not None:
        messages.success(request, _("%(unit)s no longer handles this procedure from %(day)s on.")
                         % {"unit": unit.name, "day": f"{posting.valid_to + timedelta(days=1):%d/%m/%Y}"})
    else:
        messages.info(request, _("%(unit)s does not handle this procedure: nothing to withdraw.") % {"unit": unit.name})
    return redirect("procedures:procedure-detail", code=procedure.code)


# -- import -------------------------------------------------------------------------------------


def import_columns() -> list[dict]:
    """The columns a catalogue file may have, with the Vietnamese headings accepted for each."""
    headings = defaultdict(list)
    for heading, column in HEADER_ALIASES.items():
        headings[column].append(heading)
    values = {
        "level": _("xã, huyện, tỉnh (or commune, district, province)"),
        "processing_days": _("working days: 3, 0,5 or “Trong ngày” for the same day"),
        "sector": _("empty for local government; Công an, Bảo hiểm xã hội, Quân sự, Văn phòng đăng ký đất đai"),
        "fee": _("“Lệ phí: 8.000 đồng ; Phí: 2.000 đồng” or “Không”"),
        "online_level": _("toàn trình, một phần or không"),
        "interconnected": _("empty, or the level it is inter-connected with (huyện, tỉnh)"),
        "location_independent": _("có / không"),
        "cutoff": _("the cut-off time, e.g. 15:00; empty when there is none"),
        "components": _("“Tờ khai (1 bản chính, 0 bản sao) ; Giấy chứng sinh (1 bản chính) [không bắt buộc]”"),
        "decision_date": _("dd/mm/yyyy"),
        "status": _("còn hiệu lực, sửa đổi, thay thế or bãi bỏ"),
        "posted_on": _("dd/mm/yyyy, the day your unit posted it (not after today); empty: the day of the import"),
    }
    rows = []
    for column in COLUMNS:
        label = COLUMN_LABELS.get(column, column)
        others = [heading for heading in headings.get(column, []) if search_key(heading) != search_key(label)]
        rows.append(
            {
                "name": column,
                "label": label,
                "required": column in REQUIRED_COLUMNS,
                "headings": others,
                "values": values.get(column, ""),
            }
        )
    return rows


def _import_page(request: HttpRequest, form: ImportUploadForm, unit: AdministrativeUnit | None) -> HttpResponse:
    return render(request, "procedures/import.html", {"form": form, "unit": unit, "columns": import_columns()})


def _preview(request, report: ImportReport, *, filename: str, unit, token: str | None) -> HttpResponse:
    context = {
        "report": report,
        "rows": report.rows[:PREVIEW_ROWS],
        "rows_left_out": max(0, len(report.rows) - PREVIEW_ROWS),
        "filename": filename,
        "unit": unit,
        "confirm_form": ImportConfirmForm(initial={"token": token}) if token else None,
        "form": ImportUploadForm(),
        "keep_minutes": import_jobs.KEEP_SECONDS // 60,
    }
    return render(request, "procedures/import_preview.html", context)


@login_required
def procedure_import(request: HttpRequest) -> HttpResponse:
    """Upload → check (a dry run) and preview → confirm → write. The file waits in a ``CatalogueImport``
    of its uploader; a large file's check and write run as jobs, the page refreshing until they end."""
    if not can(request.user, "procedure.import"):
        raise PermissionDenied
    unit = Scope.of(request.user).own_unit()
    if request.method != "POST":
        return _import_page(request, ImportUploadForm(), unit)
    if "token" in request.POST:
        return _import_confirm(request, unit)

    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, unit)
    upload = form.cleaned_data["file"]
    job = import_jobs.catalogue_import_start(user=request.user, unit=unit, filename=upload.name, data=upload.read())
    if job.is_active:
        return redirect("procedures:import-job", token=job.token)
    return _import_outcome(request, job)


def _import_outcome(request: HttpRequest, job: CatalogueImport) -> HttpResponse:
    """A finished step: the preview of a check, the catalogue after a clean write, or the reason it failed."""
    unit = job.unit
    if job.status == ImportStatus.FAILED:
        return _import_job_page(request, job)
    file_error = import_jobs.file_error_of(job)
    if file_error:
        form = ImportUploadForm()
        form.full_clean()  # an unbound form: no error of its own, ready to carry the file's message
        form.cleaned_data = {}
        form.add_error("file" if job.stage == ImportStage.CHECK else None, file_error)
        return _import_page(request, form, unit)
    report = import_jobs.report_of(job)
    if job.stage == ImportStage.CHECK:
        confirmable = report.ok and timezone.now() < import_jobs.confirmable_until(job)
        return _preview(request, report, filename=job.filename, unit=unit, token=job.token if confirmable else None)
    if not report.ok:
        # The catalogue changed between the check and the confirmation: nothing was written.
        return _preview(request, report, filename=job.filename, unit=unit, token=None)
    if request.method == "POST":
        messages.success(request, _import_done_message(job, report))
        return redirect("procedures:procedure-list")
    return _import_job_page(request, job, report=report)


def _import_done_message(job: CatalogueImport, report: ImportReport) -> str:
    return _("%(filename)s was imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.") % {
        "filename": job.filename, "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
    }


def _import_job_page(request: HttpRequest, job: CatalogueImport, *, report: ImportReport | None = None) -> HttpResponse:
    context = {"job": job, "unit": job.unit, "done_message": _import_done_message(job, report) if report else ""}
    response = render(request, "procedures/import_job.html", context)
    if job.is_active:
        response["Refresh"] = str(IMPORT_REFRESH_SECONDS)  # the page reloads itself until the step ends
    response["Cache-Control"] = "no-store"
    return response


def _import_confirm(request: HttpRequest, unit: AdministrativeUnit | None) -> HttpResponse:
    form = ImportConfirmForm(request.POST)
    job = (
        CatalogueImport.objects.of(request.user).filter(token=form.cleaned_data["token"]).first()
        if form.is_valid() else None
    )
    confirmed = import_jobs.catalogue_import_confirm(job=job) if job is not None else None
    if confirmed is None:
        messages.error(
            request,
            _("The checked file is no longer kept (it waits %(minutes)s minutes): choose it again.")
            % {"minutes": import_jobs.KEEP_SECONDS // 60},
        )
        return redirect("procedures:procedure-import")
    if confirmed.is_active:
        return redirect("procedures:import-job", token=confirmed.token)
    return _import_outcome(request, confirmed)


@login_required
@require_GET
def import_job(request: HttpRequest, token: str) -> HttpResponse:
    """A catalogue file's check or write: progress while it runs (the page refreshes itself), then its outcome."""
    if not can(request.user, "procedure.import"):
        raise PermissionDenied
    job = CatalogueImport.objects.of(request.user).select_related("unit").filter(token=token).first()
    if job is None:
        raise Http404
    if job.status == ImportStatus.QUEUED and job.sent_at is None:
        import_jobs.catalogue_import_send(job.pk)  # the broker was down when it was uploaded: try again
        job.refresh_from_db()
    if job.is_active:
        return _import_job_page(request, job)
    return _import_outcome(request, job)
