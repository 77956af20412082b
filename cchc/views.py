"""Staff screens of the reform index (Chỉ số CCHC) and of the inspections, mounted at /chi-so-cchc/.

Every object is fetched through cchc.access (another district's object answers 404); every action asks
the permission table (motcua.permissions.RULES ``cchc.*``); every write goes through cchc.services.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dossiers.models import Dossier
from motcua.access import get_unit_for_user, staff_unit, workplace_of
from motcua.audit import log_access
from motcua.models import AdministrativeUnit, today
from motcua.pdf import pdf_response
from motcua.permissions import can, require
from motcua.scope import Scope
from motcua.tabular import Row, TabularError
from procedures.models import Posting, Procedure

from . import services
from .access import (
    get_evidence_for_user, get_fix_for_user, get_inspection_for_user, get_plan_for_user, get_scheme_for_user,
    get_score_for_user, get_scorecard_for_user,
)
from .exports import XLSX_CONTENT_TYPE, results_filename, results_pdf, results_workbook, scheme_template_workbook
from .forms import (
    AppraisalForm, BandFormSet, CloseForm, CriteriaFormSet, DutyForm, FindingForm, FixReportForm, InspectionForm, PlanForm, SchemeForm, SchemeImportForm,
    SelfScoreForm,
)
from . import phases
from .importing import criteria_refusal, criteria_replace, criteria_rows, scheme_import
from .metrics import METRICS
from .models import Criterion, Evidence, FixStatus, InspectionStatus, Method, PlanKind, SchemeStatus, ScorecardStatus
from .rules import rule_text
from .selectors import (
    class_counts, inspections_for, overdue_fixes, plans_for, register_rows, results, schemes_for, scorecards_for,
)
from .services import CchcError


# -- the index -------------------------------------------------------------------------------------------


def _index_page(request: HttpRequest, form: SchemeForm | None = None) -> HttpResponse:
    scope = Scope.of(request.user)
    scope.own_unit()  # an account without a unit: 403
    own = workplace_of(request.user)
    may_create = own is not None and can(request.user, "cchc.scheme.edit", own) and \
        AdministrativeUnit.objects.children_in_force(own).exists()
    context = {
        "schemes": schemes_for(request.user).select_related("unit").order_by("-year", "unit__path"),
        "own_unit": own,
        "form": (form or SchemeForm()) if may_create else None,
        "overdue": overdue_fixes(request.user, timezone.now()).count(),
    }
    return render(request, "cchc/index.html", context)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _index_page(request)


@login_required
@require_POST
def scheme_create(request: HttpRequest) -> HttpResponse:
    own = workplace_of(request.user)
    if own is None:
        raise PermissionDenied
    require(request.user, "cchc.scheme.edit", own)
    form = SchemeForm(request.POST)
    if not form.is_valid():
        return _index_page(request, form)
    try:
        scheme = services.scheme_create(unit=own, by=request.user, **form.cleaned_data)
    except CchcError as error:
        form.add_error(None, str(error))
        return _index_page(request, form)
    messages.success(request, _("The scheme of %(year)s is created: import its criteria.") % {"year": scheme.year})
    return redirect("cchc:scheme-detail", pk=scheme.pk)


def _band_formset(scheme, data=None) -> BandFormSet:
    initial = [{"name": b.name, "min_total": b.min_total, "min_total_included": b.min_total_included,
                "field_floor": b.field_floor} for b in scheme.bands.order_by("position")]
    return BandFormSet(data, initial=initial, prefix="band")


def _criteria_formset(scheme, data=None) -> CriteriaFormSet:
    return CriteriaFormSet(data, initial=None if data is not None else criteria_rows(scheme), prefix="crit")


def _scheme_page(request: HttpRequest, scheme, import_form=None, import_errors=None, band_formset=None,
                 criteria_formset=None, criteria_errors=None) -> HttpResponse:
    criteria = list(scheme.criteria.select_related("area").order_by("position"))
    areas = []
    for area in scheme.areas.order_by("position"):
        areas.append((area, [c for c in criteria if c.area_id == area.pk]))
    for criterion in criteria:
        criterion.rule_label = rule_text(criterion.rule) if criterion.method == Method.COMPUTED else ""
        criterion.metric_label = METRICS[criterion.metric].label if criterion.metric in METRICS else ""
        criterion.metric_description = METRICS[criterion.metric].description if criterion.metric in METRICS else ""
    refusal = criteria_refusal(scheme)  # why the criteria can no longer be changed, if they cannot
    context = {
        "scheme": scheme,
        "areas": areas,
        "bands": scheme.bands.order_by("position"),
        "scorecards": scorecards_for(request.user, scheme).order_by("unit__name"),
        "import_form": import_form or SchemeImportForm(),
        "import_errors": import_errors or [],
        "criteria_formset": (criteria_formset or _criteria_formset(scheme))
        if not refusal and can(request.user, "cchc.scheme.edit", scheme) else None,
        "criteria_errors": criteria_errors or [],
        "criteria_refusal": refusal,
        "phase": phases.phase_of(scheme, today()),
        "metric_descriptions": [(metric.label, metric.description) for metric in METRICS.values() if metric.description],
        "is_draft": scheme.status == SchemeStatus.DRAFT,
        "is_open": scheme.status == SchemeStatus.OPEN,
        "is_published": scheme.status == SchemeStatus.PUBLISHED,
        "band_formset": (band_formset or _band_formset(scheme))
        if scheme.status != SchemeStatus.PUBLISHED and can(request.user, "cchc.scheme.edit", scheme) else None,
    }
    return render(request, "cchc/scheme_detail.html", context)


@login_required
@require_POST
def bands_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The classification bands of the scheme, as data (the province's decision may differ from the seed's)."""
    scheme = get_scheme_for_user(request.user, pk, action="cchc.scheme.edit")
    formset = _band_formset(scheme, request.POST)
    if formset.is_valid():
        try:
            services.bands_set(scheme=scheme, bands=[form.cleaned_data for form in formset.forms], by=request.user)
        except CchcError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The classification bands are saved."))
        return redirect("cchc:scheme-detail", pk=scheme.pk)
    return _scheme_page(request, scheme, band_formset=formset)


@login_required
@require_safe
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_page(request, get_scheme_for_user(request.user, pk))


@login_required
@require_POST
def scheme_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk, action="cchc.scheme.edit")
    refusal = criteria_refusal(scheme)
    if refusal:
        messages.error(request, refusal)
        return redirect("cchc:scheme-detail", pk=scheme.pk)
    form = SchemeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _scheme_page(request, scheme, import_form=form)
    upload = form.cleaned_data["file"]
    try:
        report = scheme_import(scheme=scheme, source=upload, filename=upload.name)
    except TabularError as error:
        return _scheme_page(request, scheme, import_form=form, import_errors=str(error).splitlines())
    if not report.ok:
        return _scheme_page(request, scheme, import_form=form, import_errors=report.errors)
    messages.success(request, _("Imported %(areas)s fields of reform and %(criteria)s criteria.")
                     % {"areas": report.areas, "criteria": report.criteria})
    return redirect("cchc:scheme-detail", pk=scheme.pk)


@login_required
@require_POST
def criteria_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The fields of reform, criteria and sub-criteria typed on screen: the import's columns and checks
    (cchc.importing.criteria_replace), every row or none, one message per bad row; refused once self-scoring began."""
    scheme = get_scheme_for_user(request.user, pk, action="cchc.scheme.edit")
    refusal = criteria_refusal(scheme)
    if refusal:
        messages.error(request, refusal)
        return redirect("cchc:scheme-detail", pk=scheme.pk)
    formset = _criteria_formset(scheme, request.POST)
    if not formset.is_valid():
        errors = [str(error) for error in formset.non_form_errors()]
        for line, form in enumerate(formset.forms, start=1):
            problems = [str(error) for field_errors in form.errors.values() for error in field_errors]
            if problems:
                errors.append(_("Row %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
        return _scheme_page(request, scheme, criteria_formset=formset, criteria_errors=[_("Nothing was saved:"), *errors])
    rows = [Row(line, form.values()) for line, form in enumerate(formset.forms, start=1) if any(form.values().values())]
    if not rows:
        return _scheme_page(request, scheme, criteria_formset=formset, criteria_errors=[
            _("Nothing was saved:"), _("Enter at least one field of reform (code 1, 2, 3 …) and its criteria.")])
    report = criteria_replace(scheme=scheme, rows=rows)
    if not report.ok:
        return _scheme_page(request, scheme, criteria_formset=formset, criteria_errors=report.errors)
    messages.success(request, _("Saved %(areas)s fields of reform and %(criteria)s criteria.")
                     % {"areas": report.areas, "criteria": report.criteria})
    return redirect("cchc:scheme-detail", pk=scheme.pk)


@login_required
@require_POST
def scheme_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Open the scheme for scoring, compute the computed criteria again, or publish the results."""
    scheme = get_scheme_for_user(request.user, pk, action="cchc.scheme.edit")
    try:
        if step == "open":
            services.scheme_open(scheme=scheme, by=request.user)
            messages.success(request, _("The scheme is open: each unit can score itself."))
        elif step == "compute":
            if scheme.status != SchemeStatus.OPEN:
                raise CchcError(_("Only an open scheme is computed."))
            changed = services.scores_compute(scheme=scheme, by=request.user)
            messages.success(request, _("Computed again from the records: %(count)s score(s) changed.") % {"count": changed})
        elif step == "publish":
            services.scheme_publish(scheme=scheme, by=request.user)
            messages.success(request, _("The results are published."))
            return redirect("cchc:results", pk=scheme.pk)
        else:
            raise Http404
    except CchcError as error:
        messages.error(request, str(error))
    return redirect("cchc:scheme-detail", pk=scheme.pk)


def _may_see_results(user, scheme) -> bool:
    return scheme.status == SchemeStatus.PUBLISHED or can(user, "cchc.appraise", scheme) or can(user, "cchc.export", scheme)


@login_required
@require_safe
def results_view(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk)
    if not _may_see_results(request.user, scheme):
        raise PermissionDenied
    rows = results(scheme)
    context = {
        "scheme": scheme,
        "rows": rows,
        "areas": scheme.areas.order_by("position"),
        "counts": class_counts(rows, scheme),
        "previous": next((row.previous_scheme for row in rows if row.previous_scheme), None),
        "may_export": can(request.user, "cchc.export", scheme),
    }
    return render(request, "cchc/results.html", context)


@login_required
@require_safe
def results_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk, action="cchc.export")
    response = HttpResponse(results_workbook(scheme, results(scheme)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, results_filename(scheme, "xlsx"))
    return response


@login_required
@require_safe
def scheme_template(request: HttpRequest) -> HttpResponse:
    """An example criteria file to fill in and import (no unit's data)."""
    Scope.of(request.user).own_unit()
    response = HttpResponse(scheme_template_workbook(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "mau-bo-tieu-chi-chi-so-cchc.xlsx")
    return response


@login_required
@require_safe
def results_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = get_scheme_for_user(request.user, pk, action="cchc.export")
    return pdf_response(results_pdf(scheme, results(scheme)), results_filename(scheme, "pdf"))


# -- a unit's scorecard ----------------------------------------------------------------------------------


def _scorecard_page(request: HttpRequest, scorecard, forms: dict | None = None) -> HttpResponse:
    scheme = scorecard.scheme
    user = request.user
    may_score = (can(user, "cchc.self_score", scorecard) and scheme.status == SchemeStatus.OPEN
                 and scorecard.status == ScorecardStatus.DRAFT)
    may_appraise = can(user, "cchc.appraise", scheme) and scheme.status != SchemeStatus.DRAFT
    forms = forms or {}
    self_scoring_over = scheme.status == SchemeStatus.OPEN and phases.self_scoring_refusal(scheme, today()) is not None
    scores = list(scorecard.scores.select_related("criterion", "criterion__area", "appraised_by")
                  .prefetch_related("evidence", "changes__by").order_by("criterion__position"))
    headings = {c.pk: c for c in Criterion.objects.filter(scheme=scheme, is_scored=False)}
    for score in scores:
        criterion = score.criterion
        score.heading = headings.get(criterion.parent_id)
        score.rule_label = rule_text(criterion.rule) if criterion.method == Method.COMPUTED else ""
        score.metric_label = METRICS[criterion.metric].label if criterion.metric in METRICS else ""
        score.links = score.inputs.get("links", []) if isinstance(score.inputs, dict) else []
        if may_score and criterion.method == Method.SELF:
            score.self_form = forms.get(("self", score.pk)) or SelfScoreForm(
                initial={"points": score.self_points, "note": score.self_note}, prefix=f"s{score.pk}")
        # The unit's own points are appraised once it submitted them, or once self-scoring closed without it.
        if may_appraise and (scorecard.status != ScorecardStatus.DRAFT or criterion.method != Method.SELF or self_scoring_over):
            score.appraisal_form = forms.get(("appraise", score.pk)) or AppraisalForm(
                initial={"points": score.points if score.points is not None else score.self_points,
                         "reason": score.appraisal_reason}, prefix=f"a{score.pk}")
    context = {
        "scheme": scheme,
        "scorecard": scorecard,
        "scores": scores,
        "may_score": may_score,
        "may_appraise": may_appraise,
        "may_submit": may_score,
        "phase": phases.phase_of(scheme, today()),
    }
    return render(request, "cchc/scorecard.html", context)


@login_required
@require_safe
def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _scorecard_page(request, get_scorecard_for_user(request.user, pk))


@login_required
@require_POST
def score_self_view(request: HttpRequest, pk: int, score_id: int) -> HttpResponse:
    scorecard = get_scorecard_for_user(request.user, pk, action="cchc.self_score")
    score = get_score_for_user(request.user, scorecard, score_id)
    form = SelfScoreForm(request.POST, request.FILES, prefix=f"s{score.pk}")
    if form.is_valid():
        try:
            with transaction.atomic():  # a refused evidence file leaves the points as they were
                services.score_self(score=score, points=form.cleaned_data["points"], note=form.cleaned_data["note"],
                                    by=request.user)
                if form.cleaned_data.get("evidence"):
                    services.evidence_add(score=score, upload=form.cleaned_data["evidence"], by=request.user)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Criterion %(code)s scored.") % {"code": score.criterion.code})
            return redirect(reverse("cchc:scorecard", args=[scorecard.pk]) + f"#score-{score.pk}")
    return _scorecard_page(request, scorecard, {("self", score.pk): form})


@login_required
@require_POST
def scorecard_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    scorecard = get_scorecard_for_user(request.user, pk, action="cchc.self_score")
    try:
        services.scorecard_submit(scorecard=scorecard, by=request.user)
        messages.success(request, _("The scorecard is submitted to %(unit)s for appraisal.") % {"unit": scorecard.scheme.unit.name})
    except CchcError as error:
        messages.error(request, str(error))
    return redirect("cchc:scorecard", pk=scorecard.pk)


@login_required
@require_POST
def score_appraise_view(request: HttpRequest, pk: int, score_id: int) -> HttpResponse:
    scorecard = get_scorecard_for_user(request.user, pk, action="cchc.appraise")
    score = get_score_for_user(request.user, scorecard, score_id)
    form = AppraisalForm(request.POST, prefix=f"a{score.pk}")
    if form.is_valid():
        agree = form.cleaned_data["decision"] == AppraisalForm.AGREE
        try:
            services.score_appraise(score=score, points=None if agree else form.cleaned_data["points"],
                                    reason=form.cleaned_data["reason"], by=request.user)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Criterion %(code)s appraised.") % {"code": score.criterion.code})
            return redirect(reverse("cchc:scorecard", args=[scorecard.pk]) + f"#score-{score.pk}")
    return _scorecard_page(request, scorecard, {("appraise", score.pk): form})


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, only to those who see its scorecard (never a public media URL)."""
    evidence = get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    # A commune's evidence may name people: each download is an access to personal data (as dossiers' files).
    score = evidence.score
    log_access(request=request, table=Evidence._meta.db_table, row_id=evidence.pk, action="export",
               detail={"unit": score.scorecard.unit.code, "scheme": score.scorecard.scheme_id,
                       "criterion": score.criterion.code, "file": evidence.name})
    response = FileResponse(handle, as_attachment=True, filename=evidence.name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- inspections and self-checks -------------------------------------------------------------------------


def _plans_page(request: HttpRequest, form: PlanForm | None = None) -> HttpResponse:
    own = workplace_of(request.user)
    may_plan = own is not None and can(request.user, "cchc.inspect", own)
    context = {
        "plans": plans_for(request.user).select_related("unit").order_by("-year", "unit__path", "id"),
        "form": (form or PlanForm()) if may_plan else None,
        "own_unit": own,
    }
    return render(request, "cchc/plans.html", context)


@login_required
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    return _plans_page(request)


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    own = workplace_of(request.user)
    if own is None:
        raise PermissionDenied
    require(request.user, "cchc.inspect", own)
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _plans_page(request, form)
    plan = services.plan_create(unit=own, by=request.user, **form.cleaned_data)
    return redirect("cchc:plan-detail", pk=plan.pk)


def _inspectable(plan):
    if plan.kind == PlanKind.SELF_CHECK:
        return AdministrativeUnit.objects.filter(pk=plan.unit_id)
    return AdministrativeUnit.objects.children_in_force(plan.unit)


def _plan_page(request: HttpRequest, plan, form: InspectionForm | None = None) -> HttpResponse:
    may_plan = can(request.user, "cchc.inspect", plan)
    context = {
        "plan": plan,
        "inspections": inspections_for(request.user, plan).order_by("starts_on", "unit__name"),
        "form": (form or InspectionForm(units=_inspectable(plan))) if may_plan else None,
    }
    return render(request, "cchc/plan_detail.html", context)


@login_required
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, get_plan_for_user(request.user, pk))


@login_required
@require_POST
def inspection_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, write=True)
    form = InspectionForm(request.POST, units=_inspectable(plan))
    if form.is_valid():
        try:
            inspection = services.inspection_add(plan=plan, **form.cleaned_data)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            return redirect("cchc:inspection", pk=inspection.pk)
    return _plan_page(request, plan, form)


def _inspection_page(request: HttpRequest, inspection, forms: dict | None = None) -> HttpResponse:
    forms = forms or {}
    may_inspect = can(request.user, "cchc.inspect", inspection.plan)
    may_fix = can(request.user, "cchc.fix", inspection)
    is_closed = inspection.status == InspectionStatus.CLOSED
    findings = list(inspection.findings.prefetch_related("fixes", "dossiers", "procedures", "postings__unit"))
    now = timezone.now()
    for finding in findings:
        for fix in finding.fixes.all():
            fix.is_overdue = fix.is_overdue_at(now)
            if may_fix and not is_closed and fix.status != FixStatus.ACCEPTED:
                fix.report_form = forms.get(("fix", fix.pk)) or FixReportForm(initial={"report": fix.report}, prefix=f"f{fix.pk}")
            fix.may_accept = may_inspect and fix.status == FixStatus.REPORTED and not is_closed
    context = {
        "inspection": inspection,
        "findings": findings,
        "finding_form": (forms.get("finding") or FindingForm()) if may_inspect and not is_closed else None,
        "close_form": (forms.get("close") or CloseForm()) if may_inspect and not is_closed else None,
        "FixStatus": FixStatus,
    }
    return render(request, "cchc/inspection_detail.html", context)


@login_required
@require_safe
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _inspection_page(request, get_inspection_for_user(request.user, pk))


@login_required
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, action="cchc.inspect")
    form = FindingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        # What the finding concerns: the inspected unit's own dossiers, procedures and postings only.
        unit_scope = Scope.below(inspection.unit)
        dossier_codes = FindingForm.codes(data["dossiers"])
        dossiers = list(unit_scope.filter(Dossier.objects.filter(code__in=dossier_codes), "handling_unit", "receiving_unit"))
        procedure_codes = FindingForm.codes(data["procedures"])
        procedures = list(Procedure.objects.filter(code__in=procedure_codes))
        unknown = sorted(set(dossier_codes) - {d.code for d in dossiers}) + sorted(set(procedure_codes) - {p.code for p in procedures})
        if unknown:
            form.add_error(None, _("Not found at %(unit)s: %(codes)s.") % {"unit": inspection.unit.name, "codes": ", ".join(unknown)})
        else:
            postings = Posting.objects.filter(unit=inspection.unit, procedure__in=procedures)
            try:
                services.finding_record(inspection=inspection, description=data["description"], by=request.user,
                                        dossiers=dossiers, procedures=procedures, postings=list(postings),
                                        request=data["request"], working_days=data["working_days"])
            except CchcError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The finding is recorded."))
                return redirect("cchc:inspection", pk=inspection.pk)
    return _inspection_page(request, inspection, {"finding": form})


@login_required
@require_POST
def fix_report_view(request: HttpRequest, pk: int, fix_id: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, action="cchc.fix")
    fix = get_fix_for_user(request.user, inspection, fix_id)
    form = FixReportForm(request.POST, prefix=f"f{fix.pk}")
    if form.is_valid():
        try:
            services.fix_report(fix=fix, report=form.cleaned_data["report"], by=request.user)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The fix is reported to %(unit)s.") % {"unit": inspection.plan.unit.name})
            return redirect("cchc:inspection", pk=inspection.pk)
    return _inspection_page(request, inspection, {("fix", fix.pk): form})


@login_required
@require_POST
def fix_accept_view(request: HttpRequest, pk: int, fix_id: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, action="cchc.inspect")
    fix = get_fix_for_user(request.user, inspection, fix_id)
    try:
        services.fix_accept(fix=fix, by=request.user)
        messages.success(request, _("The fix is accepted."))
    except CchcError as error:
        messages.error(request, str(error))
    return redirect("cchc:inspection", pk=inspection.pk)


@login_required
@require_POST
def inspection_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, action="cchc.inspect")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_close(inspection=inspection, conclusion=form.cleaned_data["conclusion"], by=request.user)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The inspection is closed."))
            return redirect("cchc:inspection", pk=inspection.pk)
    return _inspection_page(request, inspection, {"close": form})


@login_required
@require_safe
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Requests to fix past due with nothing reported, in the inspections by or of the person's subtree."""
    Scope.of(request.user).own_unit()
    fixes = overdue_fixes(request.user, timezone.now())[:500]
    return render(request, "cchc/overdue.html", {"fixes": fixes})


# -- the focal officers' register ----------------------------------------------------------------------------


def _register_page(request: HttpRequest, unit, form: DutyForm | None = None) -> HttpResponse:
    day = today()
    rows = register_rows(unit, day)
    editable = [row.unit.pk for row in rows if can(request.user, "cchc.register.edit", row.unit)]
    units = AdministrativeUnit.objects.filter(pk__in=editable).order_by("path")
    context = {
        "unit": unit,
        "rows": rows,
        "without_focal": [row.unit for row in rows[1:] if not row.focal],
        "form": (form or DutyForm(units=units, initial={"starts_on": day})) if editable else None,
        "day": day,
    }
    return render(request, "cchc/register.html", context)


@login_required
@require_safe
def register(request: HttpRequest) -> HttpResponse:
    """Each unit's focal officer for procedure control and this week's desk duty: the unit above sees all its
    units and those without one."""
    code = request.GET.get("unit", "").strip()
    unit = get_unit_for_user(request.user, code) if code else staff_unit(request.user)
    return _register_page(request, unit)


@login_required
@require_POST
def register_add(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("unit", "").strip()
    unit = get_unit_for_user(request.user, code) if code else staff_unit(request.user)
    rows = register_rows(unit, today())
    editable = [row.unit.pk for row in rows if can(request.user, "cchc.register.edit", row.unit)]
    if not editable:
        raise PermissionDenied
    form = DutyForm(request.POST, units=AdministrativeUnit.objects.filter(pk__in=editable))
    if form.is_valid():
        data = form.cleaned_data
        require(request.user, "cchc.register.edit", data["unit"])
        try:
            services.duty_assign(by=request.user, **data)
        except CchcError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Recorded for %(unit)s.") % {"unit": data["unit"].name})
            return redirect(f"{reverse('cchc:register')}?{urlencode({'unit': unit.code})}")
    return _register_page(request, unit, form)
