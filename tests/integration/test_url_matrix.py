"""Unit isolation on every URL: one matrix, not scattered tests.

Every URL pattern of the project is listed below with how to point it at an object of commune A
(Xã Ngọc Kỳ). Each role of commune B (Thị trấn Tứ Kỳ) then asks for it and must get 404 (or 403
where the role is refused first) and never a page carrying A's data. A URL pattern missing from the
matrix fails the test, so a new view cannot ship without saying how it is scoped.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from urllib.parse import urlencode

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dossiers.ratings.services import kiosk_register

from dossiers.tickets.services import ticket_receive
from dossiers.models import Rating
from dossiers.services import (
    Applicant, dossier_apologise, dossier_pause, dossier_receive, dossier_refuse, dossier_stop,
)
from motcua.calendar import VN_TZ
from motcua.models import Role
from procedures.models import Field, Procedure
from procedures.services import posting_set, procedure_save, review_open
from reports.models import ReportRun
from motcua.periods import parse_period
from reports.services import report_submit
from tests.factories import PASSWORD, MembershipFactory
from tests.integration.test_cchc_index import cchc_of_a

pytestmark = pytest.mark.django_db

SECRET_NAME = "Nguyễn Bí Mật"  # commune A's applicant: must never appear on a page served to commune B
SECRET_PHONE = "0911222333"


@dataclass
class World:
    unit_a: object
    dossier: object
    refused: object
    stopped: object
    procedure: object
    round_: object
    item: object
    run: object
    submission: object
    ticket: object
    device: object
    kiosk_token: str
    cchc: object = None  # commune A's objects of the reform index and inspections (cchc_of_a)


@dataclass(frozen=True)
class Case:
    """How to call a URL against commune A's objects, and what commune B's staff must get.

    ``expect``: "hidden" — 404 (or 403 when the role is refused before the lookup), never A's data;
    "scoped" — the page answers (a list, a form, the user's own unit) but carries none of A's data;
    "public" — not bound to a unit (public pages, the catalogue every officer reads)."""

    kwargs: Callable[[World], dict] = lambda w: {}
    query: Callable[[World], dict] = lambda w: {}
    method: str = "get"
    data: Callable[[World], dict] = lambda w: {}
    expect: str = "hidden"


def catalogue_import_of_a(w: World):
    """A catalogue file commune A's desk officer uploaded: its job page is its uploader's only."""
    from procedures.models import CatalogueImport

    return CatalogueImport.objects.create(token=f"a-{CatalogueImport.objects.count()}", user=w.run.requested_by,
                                          unit=w.unit_a, filename="danh-muc.csv", data=b"", status="done")


def file_of_a(w: World):
    """A scanned file of commune A's dossier (a row only: no byte is stored or served here)."""
    from dossiers.models import DossierFile, ReceivedComponent

    component, _created = ReceivedComponent.objects.get_or_create(dossier=w.dossier, position=0,
                                                                  defaults={"name": "Tờ khai"})
    return DossierFile.objects.create(dossier=w.dossier, role="component", component=component, file="dossiers/x.pdf",
                                      original_name="to-khai.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
                                      uploaded_at=timezone.now())


def scan_job_of_a(w: World):
    """A scan job of commune A's dossier (its page: the dossier's staff only)."""
    from dossiers.models import ScanJob

    return ScanJob.objects.create(dossier=w.dossier, component=file_of_a(w).component, status="running")


def unit_query(w: World) -> dict:
    return {"unit": w.unit_a.code}


MATRIX: dict[str, Case] = {
    # core
    "motcua:home": Case(expect="scoped"),
    "motcua:unit-list": Case(expect="scoped", query=lambda w: {"q": "Ngọc"}),
    "motcua:unit-detail": Case(kwargs=lambda w: {"code": w.unit_a.code}),
    "motcua:working-calendar": Case(expect="public"),
    "login": Case(expect="public"),
    "logout": Case(method="post", expect="public"),
    "password_change": Case(expect="public"),
    "password_change_done": Case(expect="public"),
    "healthz": Case(expect="public"),
    # the catalogue is published for the whole province: every officer reads it
    "procedures:procedure-list": Case(expect="scoped"),
    "procedures:procedure-import": Case(expect="scoped"),
    "procedures:import-job": Case(kwargs=lambda w: {"token": catalogue_import_of_a(w).token}),
    "procedures:catalogue-xlsx": Case(expect="public"),
    "procedures:import-template": Case(expect="public"),  # an empty template with one example row
    "procedures:posting-xlsx": Case(query=unit_query),
    "procedures:posting-pdf": Case(query=unit_query),
    "procedures:procedure-detail": Case(kwargs=lambda w: {"code": w.procedure.code}, expect="public"),
    "procedures:procedure-edit": Case(kwargs=lambda w: {"code": w.procedure.code}, expect="public"),
    "procedures:posting-edit": Case(kwargs=lambda w: {"code": w.procedure.code}, method="post",
                                    data=lambda w: {"unit": w.unit_a.code, "is_active": ""}),
    "reviews:round-list": Case(expect="scoped"),
    "reviews:round-open": Case(method="post", data=lambda w: {"year": 2031}, expect="scoped"),
    "reviews:overview-xlsx": Case(expect="scoped", query=lambda w: {"year": w.round_.year}),
    "reviews:round-detail": Case(kwargs=lambda w: {"pk": w.round_.pk}),
    "reviews:round-submit": Case(kwargs=lambda w: {"pk": w.round_.pk}, method="post"),
    "reviews:item-edit": Case(kwargs=lambda w: {"pk": w.round_.pk, "item_id": w.item.pk}),
    "reviews:round-xlsx": Case(kwargs=lambda w: {"pk": w.round_.pk}),
    "public:unit-index": Case(expect="public"),
    "public:unit-procedures": Case(kwargs=lambda w: {"unit_code": w.unit_a.code}, expect="public"),
    "public:procedure-detail": Case(kwargs=lambda w: {"unit_code": w.unit_a.code, "code": w.procedure.code}, expect="public"),
    # dossiers
    "dossiers:board": Case(expect="scoped", query=lambda w: {"q": w.dossier.code}),
    "dossiers:intake": Case(expect="scoped"),
    "dossiers:due-preview": Case(expect="scoped", query=lambda w: {"procedure": w.procedure.code}),
    "dossiers:queue": Case(expect="scoped"),
    "dossiers:detail": Case(kwargs=lambda w: {"code": w.dossier.code}),
    "dossiers:action": Case(kwargs=lambda w: {"code": w.dossier.code, "action": "resolve"}, method="post"),
    # the components and files (every file, of A's and B's, in tests/integration/test_dossier_files.py)
    "dossiers:component": Case(kwargs=lambda w: {"code": w.dossier.code, "pk": 1}, method="post"),
    "dossiers:result-file": Case(kwargs=lambda w: {"code": w.dossier.code}, method="post"),
    "dossiers:file-reuse": Case(kwargs=lambda w: {"code": w.dossier.code}, method="post"),
    "dossiers:file": Case(kwargs=lambda w: {"code": w.dossier.code, "pk": 1}),
    "dossiers:file-remove": Case(kwargs=lambda w: {"code": w.dossier.code, "pk": file_of_a(w).pk}, method="post",
                                 data=lambda w: {"reason": "Quét nhầm"}),
    "dossiers:file-replace": Case(kwargs=lambda w: {"code": w.dossier.code, "pk": file_of_a(w).pk}, method="post"),
    "dossiers:scan-job": Case(kwargs=lambda w: {"code": w.dossier.code, "pk": scan_job_of_a(w).pk}),
    "lookup:result-files": Case(expect="public", query=lambda w: {"code": w.dossier.code, "phone4": SECRET_PHONE[-4:]}),
    "lookup:result-file": Case(kwargs=lambda w: {"token": "not-a-pass"}, expect="public"),
    "forms:register": Case(query=lambda w: {**unit_query(w), "from": "01/01/2020", "to": "31/12/2030"}),
    "forms:register-xlsx": Case(query=lambda w: {**unit_query(w), "from": "01/01/2020", "to": "31/12/2030"}),
    "forms:register-pdf": Case(query=lambda w: {**unit_query(w), "from": "01/01/2020", "to": "31/12/2030"}),
    "forms:receipt-pdf": Case(kwargs=lambda w: {"code": w.dossier.code}),
    "forms:supplement-pdf": Case(kwargs=lambda w: {"code": w.dossier.code}),
    "forms:refusal-pdf": Case(kwargs=lambda w: {"code": w.refused.code}),
    "forms:control-pdf": Case(kwargs=lambda w: {"code": w.dossier.code}),
    "forms:apology-pdf": Case(kwargs=lambda w: {"code": w.dossier.code}),
    "forms:stop-pdf": Case(kwargs=lambda w: {"code": w.stopped.code}),
    # public by design: it answers only with the code and the phone digits, and never personal data
    "lookup:lookup": Case(expect="public", query=lambda w: {"code": w.dossier.code, "phone4": SECRET_PHONE[-4:]}),
    # satisfaction
    "ratings:figures": Case(query=unit_query),
    "ratings:paper": Case(query=unit_query),
    "ratings:devices": Case(query=unit_query),
    "ratings:device-deactivate": Case(kwargs=lambda w: {"pk": w.device.pk}, method="post"),
    "ratings:kiosk": Case(expect="public"),
    "ratings:kiosk-thanks": Case(expect="public"),
    "ratings:kiosk-activate": Case(kwargs=lambda w: {"token": "not-the-token"}, expect="public"),
    "ratings:online": Case(expect="public"),
    "ratings:online-thanks": Case(expect="public"),
    # feedback tickets
    "tickets:list": Case(expect="scoped", query=lambda w: {"q": w.ticket.code}),
    "tickets:submit": Case(expect="public"),
    "tickets:submitted": Case(expect="public"),
    "tickets:public": Case(expect="public"),
    "tickets:lookup": Case(expect="public"),
    "results:index": Case(expect="public"),
    "results:month": Case(kwargs=lambda w: {"unit_key": w.unit_a.key, "month": timezone.localdate().strftime("%Y-%m")}, expect="public"),
    "tickets:new": Case(expect="scoped"),
    "tickets:figures": Case(query=lambda w: {"unit": w.unit_a.code}),
    "tickets:detail": Case(kwargs=lambda w: {"code": w.ticket.code}),
    "tickets:answer-pdf": Case(kwargs=lambda w: {"code": w.ticket.code}),
    "tickets:step": Case(kwargs=lambda w: {"code": w.ticket.code, "action": "classify"}, method="post",
                         data=lambda w: {"classification": "regulation"}),
    # reports
    "reports:index": Case(query=lambda w: {**unit_query(w), "period": "2026-Q1"}),
    "reports:dossiers": Case(query=lambda w: {**unit_query(w), "period": "2026-Q1", "figure": "new"}),
    "reports:request": Case(method="post", data=lambda w: {**unit_query(w), "period": "2026-Q1", "format": "json"}),
    "reports:runs": Case(expect="scoped"),
    "reports:run": Case(kwargs=lambda w: {"pk": w.run.pk}),
    "reports:download": Case(kwargs=lambda w: {"pk": w.run.pk}),
    "reports:submissions": Case(expect="scoped"),
    "reports:submit": Case(method="post", data=lambda w: {**unit_query(w), "period": "2026-Q1"}),
    "reports:submission": Case(kwargs=lambda w: {"pk": w.submission.pk}),
    "reports:submission-pdf": Case(kwargs=lambda w: {"pk": w.submission.pk}),  # the signed PDF (test_signatures)
    # an agency's own report and its submission to its unit (another agency's officer: test_agency_submissions)
    "reports:agency": Case(query=lambda w: {"agency": w.unit_a.agencies.get().pk, "period": "2026-Q1"}),
    "reports:agency-submit": Case(method="post", data=lambda w: {"agency": w.unit_a.agencies.get().pk, "period": "2026-Q1"}),
    "reports:dashboard": Case(query=lambda w: {**unit_query(w), "period": "2026-Q1"}),
    "reports:index-detail": Case(kwargs=lambda w: {"key": "tien-do"}, query=lambda w: {**unit_query(w), "period": "2026-Q1"}),
    "reports:warnings": Case(query=unit_query),
    "reports:quality": Case(query=lambda w: {**unit_query(w), "period": "2026-Q1"}),
    # the reform index and inspections (cchc): the district's scheme also scores commune B, so its pages answer
    "cchc:index": Case(expect="scoped"),
    "cchc:scheme-create": Case(method="post", data=lambda w: {"year": 2031}, expect="scoped"),
    "cchc:scheme-template": Case(expect="scoped"),  # an example file, no unit's data
    "cchc:scheme-detail": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}, expect="scoped"),
    "cchc:scheme-import": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}, method="post"),
    "cchc:criteria-edit": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}, method="post"),
    "cchc:bands-edit": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}, method="post"),
    "cchc:scheme-step": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk, "step": "compute"}, method="post"),
    "cchc:results": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}),
    "cchc:results-xlsx": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}),
    "cchc:results-pdf": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scheme.pk}),
    "cchc:scorecard": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scorecard.pk}),
    "cchc:scorecard-submit": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scorecard.pk}, method="post"),
    "cchc:score-self": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scorecard.pk, "score_id": cchc_of_a(w).score.pk}, method="post"),
    "cchc:score-appraise": Case(kwargs=lambda w: {"pk": cchc_of_a(w).scorecard.pk, "score_id": cchc_of_a(w).score.pk},
                                method="post"),
    "cchc:evidence": Case(kwargs=lambda w: {"pk": cchc_of_a(w).evidence.pk}),
    "cchc:plan-list": Case(expect="scoped"),
    "cchc:plan-create": Case(method="post", data=lambda w: {"year": 2031}, expect="scoped"),
    "cchc:overdue": Case(expect="scoped"),
    "cchc:plan-detail": Case(kwargs=lambda w: {"pk": cchc_of_a(w).plan.pk}),
    "cchc:inspection-add": Case(kwargs=lambda w: {"pk": cchc_of_a(w).plan.pk}, method="post"),
    "cchc:inspection": Case(kwargs=lambda w: {"pk": cchc_of_a(w).inspection.pk}),
    "cchc:finding-add": Case(kwargs=lambda w: {"pk": cchc_of_a(w).inspection.pk}, method="post"),
    "cchc:fix-report": Case(kwargs=lambda w: {"pk": cchc_of_a(w).inspection.pk, "fix_id": cchc_of_a(w).fix.pk}, method="post"),
    "cchc:fix-accept": Case(kwargs=lambda w: {"pk": cchc_of_a(w).inspection.pk, "fix_id": cchc_of_a(w).fix.pk}, method="post"),
    "cchc:inspection-close": Case(kwargs=lambda w: {"pk": cchc_of_a(w).inspection.pk}, method="post"),
    "cchc:register": Case(query=lambda w: {"unit": w.unit_a.code}),
    "cchc:register-add": Case(query=lambda w: {"unit": w.unit_a.code}, method="post", data=lambda w: {"unit": w.unit_a.code}),
}


def project_url_names() -> set[str]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield ":".join(filter(None, [namespace, pattern.name]))

    # The Django admin (and its read-only permission table, behind admin_view) is for administrators only
    # and tested on its own below and in test_scope_and_permissions.
    return {name for name in walk(get_resolver().url_patterns) if not name.startswith(("admin:", "admin-"))}


def test_every_url_pattern_is_in_the_matrix(trust):
    names = project_url_names()
    assert sorted(names - set(MATRIX)) == [], "add the new URL to MATRIX, saying how it is scoped"
    assert sorted(set(MATRIX) - names) == [], "MATRIX names a URL that no longer exists"
    trust("URL matrix: URL names of the project, every one in the matrix", len(names), add=False)


@pytest.fixture
def world(commune_a, commune_b, agency_a, agency_b, desk_officer_a, district):
    vn = lambda *a: datetime(*a, tzinfo=VN_TZ)  # noqa: E731
    field_ = Field.objects.create(code="HT", name="Hộ tịch")
    procedure = Procedure(code="1.001193", name="Đăng ký khai sinh", field=field_, level="commune", processing_days=Decimal(3))
    procedure_save(procedure=procedure, at=vn(2025, 1, 1, 8, 0))
    posting_set(unit=commune_a, procedure=procedure)
    applicant = Applicant(name=SECRET_NAME, phone=SECRET_PHONE, id_number="030085009999", address="Thôn Bí Mật")
    received = timezone.now() - timedelta(days=30)
    dossier = dossier_receive(unit=commune_a, procedure=procedure, applicant=applicant, by=desk_officer_a, received_at=received)
    dossier_pause(dossier=dossier, by=desk_officer_a, kind="supplement", reason="Thiếu giấy tờ", at=received + timedelta(hours=1))
    dossier_apologise(dossier=dossier, by=desk_officer_a, reason="Chậm", new_due_at=timezone.now() + timedelta(days=3))
    refused = dossier_refuse(unit=commune_a, procedure=procedure, applicant=applicant, by=desk_officer_a, reason="Sai thẩm quyền")
    stopped = dossier_receive(unit=commune_a, procedure=procedure, applicant=applicant, by=desk_officer_a, received_at=received)
    dossier_stop(dossier=stopped, by=desk_officer_a, action="withdraw", reason="Rút hồ sơ")
    round_ = review_open(unit=commune_a, year=2026, by=desk_officer_a)
    run = ReportRun.objects.create(unit=commune_a, period_key="2026-Q1", first_day=vn(2025, 12, 15).date(),
                                   last_day=vn(2026, 3, 14).date(), format="json", requested_by=desk_officer_a)
    submission = report_submit(unit=commune_a, period=parse_period("2026-Q1"), by=desk_officer_a)
    ticket = ticket_receive(unit=commune_a, channel="phone", sender_name=SECRET_NAME, sender_contact=SECRET_PHONE,
                            content="Phản ánh về thời hạn", entered_by=desk_officer_a)
    device, token = kiosk_register(unit=commune_a, name="Quầy 1")
    Rating.objects.create(unit=commune_a, dossier=dossier, channel="paper", level="unsatisfied", comment=SECRET_NAME,
                          rated_at=timezone.now())
    return World(unit_a=commune_a, dossier=dossier, refused=refused, stopped=stopped, procedure=procedure, round_=round_,
                 item=round_.items.get(), run=run, submission=submission, ticket=ticket, device=device, kiosk_token=token)


OUTSIDER_ROLES = [Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.FOCAL_OFFICER, Role.UNIT_LEADER]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_commune_b_staff_never_reach_commune_a(client, world, commune_b, role, trust):
    MembershipFactory(unit=commune_b, role=role, user__username=f"b.{role}")
    client.login(username=f"b.{role}", password=PASSWORD)
    checked = 0
    for name, case in MATRIX.items():
        if case.expect == "public" or name == "logout":
            continue
        url = reverse(name, kwargs=case.kwargs(world))
        query = case.query(world)
        if case.method == "post":
            response = client.post(url + ("?" + urlencode(query) if query else ""), case.data(world))
        else:
            response = client.get(url, query)
        text = response.get("Content-Type", "").startswith(("text", "application/json"))
        body = response.content.decode("utf-8", "ignore") if text else ""
        if case.expect == "hidden":
            assert response.status_code in (403, 404), f"{role} {name} → {response.status_code}"
        else:
            assert response.status_code < 500, f"{role} {name} → {response.status_code}"
        assert SECRET_NAME not in body and SECRET_PHONE not in body, f"{role} {name} shows commune A's applicant"
        echoed = world.dossier.code in query.values()  # a search box shows what was typed
        assert echoed or world.dossier.code not in body, f"{role} {name} shows commune A's dossier"
        checked += 1
    assert checked == sum(1 for name, case in MATRIX.items() if case.expect != "public" and name != "logout")
    trust("URL matrix: URL × role checks of another commune's objects", checked)
    trust("URL matrix: pages that leaked the other commune's data", 0)


# A processing step belongs to the unit that handles the dossier; the receiving desk keeps intake, the
# transfer and the return to the citizen (motcua.permissions.RULES: HANDLING, RECEIVING, DOSSIER_SIDES).
PROCESSING_STEPS = ["start", "hand_on", "pause", "resume", "resolve", "return_unresolved"]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_the_receiving_commune_takes_no_processing_step_on_a_dossier_the_district_handles(
        client, world, commune_a, district, desk_officer_a, role, trust):
    dossier = dossier_receive(unit=commune_a, procedure=world.procedure, applicant=Applicant(name="Lê Văn Cường"),
                              by=desk_officer_a, handling_unit=district)
    MembershipFactory(unit=commune_a, role=role, user__username=f"a.{role}")
    client.login(username=f"a.{role}", password=PASSWORD)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code}))
    assert page.status_code == 200  # the receiving commune sees the dossier
    for action in PROCESSING_STEPS:
        url = reverse("dossiers:action", kwargs={"code": dossier.code, "action": action})
        assert url not in page.content.decode(), f"{role} is offered {action}"
        response = client.post(url, {f"{action}-reason": "Lý do", f"{action}-kind": "supplement"})
        assert response.status_code == 403, f"{role} {action} → {response.status_code}"
    dossier.refresh_from_db()
    assert dossier.status == "received" and dossier.events.count() == 1
    trust("URL matrix: processing steps refused to the receiving commune", len(PROCESSING_STEPS))


def test_the_district_reaches_what_its_communes_hold(client, world, district_officer):
    client.login(username=district_officer.username, password=PASSWORD)
    for name in ["motcua:unit-detail", "dossiers:detail", "forms:receipt-pdf", "tickets:detail", "reviews:round-detail",
                 "reports:submission"]:
        case = MATRIX[name]
        response = client.get(reverse(name, kwargs=case.kwargs(world)), case.query(world))
        assert response.status_code == 200, name


def test_the_admin_is_for_administrators_only(client, world, desk_officer_a):
    client.login(username=desk_officer_a.username, password=PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/quan-tri/login/" in response["Location"]


def test_the_file_changes_and_scan_jobs_are_for_the_dossiers_desk_only(client, world, desk_officer_a):
    """Commune A's desk removes, replaces and follows a scan job; anonymous users are sent to sign in (commune
    B's staff: the matrix above)."""
    from dossiers.models import DossierFile

    removed, job = file_of_a(world), scan_job_of_a(world)
    urls = {
        "remove": reverse("dossiers:file-remove", kwargs={"code": world.dossier.code, "pk": removed.pk}),
        "replace": reverse("dossiers:file-replace", kwargs={"code": world.dossier.code, "pk": removed.pk}),
        "job": reverse("dossiers:scan-job", kwargs={"code": world.dossier.code, "pk": job.pk}),
    }
    for name, url in urls.items():
        response = client.post(url) if name != "job" else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), name
    client.login(username=desk_officer_a.username, password=PASSWORD)
    assert client.get(urls["job"]).status_code == 200
    assert client.get(urls["remove"]).status_code == 405  # POST only
    assert client.post(urls["replace"], {f"rp{removed.pk}-reason": "Mờ"}).status_code == 400  # no file chosen
    assert client.post(urls["remove"], {f"rm{removed.pk}-reason": "Quét nhầm"}).status_code == 302
    assert DossierFile.objects.get(pk=removed.pk).removed_at is not None
