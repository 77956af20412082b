"""An agency's focal officer sees its own figures and submits them to its unit by the 17th, like a
commune (issue 17, "Figures by agency"): the seeds' plan asks every phòng chuyên môn to report.

Huyện Tứ Kỳ has three agencies: the land registration office (whose focal officer reports on time),
the justice office (whose focal officer is refused the land office's report) and the natural
resources office, which sends nothing and shows as missing.
"""
import pytest
from django.db.models import Q
from django.urls import reverse

from dossiers.models import Dossier
from motcua.models import AgencyKind, Role
from motcua.periods import parse_period
from motcua.permissions import can
from reports.figures import compute_figures
from reports.models import ReportSubmission
from reports.services import SubmissionState, agency_report, agency_submission_rows, report_submit
from tests.factories import AgencyFactory, MembershipFactory, make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023: due by 23:59 on 17/03/2023


@pytest.fixture
def agencies(district):
    land = AgencyFactory(unit=district, name="Văn phòng đăng ký đất đai - Chi nhánh Tứ Kỳ", kind=AgencyKind.LAND_REGISTRATION)
    justice = AgencyFactory(unit=district, name="Phòng Tư pháp", kind=AgencyKind.SPECIALISED_OFFICE)
    resources = AgencyFactory(unit=district, name="Phòng Tài nguyên và Môi trường", kind=AgencyKind.SPECIALISED_OFFICE)
    return land, justice, resources


def member(unit, role, username, agency=None):
    return MembershipFactory(unit=unit, role=role, agency=agency, user__username=username).user


@pytest.fixture
def land_focal(district, agencies):
    return member(district, Role.FOCAL_OFFICER, "land.focal", agencies[0])


@pytest.fixture
def justice_focal(district, agencies):
    return member(district, Role.FOCAL_OFFICER, "justice.focal", agencies[1])


@pytest.fixture
def quarter(district, commune_a, agencies):
    land, justice, _ = agencies
    parcel = procedure_make("1.004227", "Đăng ký biến động đất đai", level="district", days=10)
    d = lambda **kw: make_dossier(procedure=parcel, unit=kw.pop("unit", district), **kw)  # noqa: E731
    for day in (3, 4, 5):
        d(agency=land, received_at=vn(2023, 1, day, 9), due_at=vn(2023, 1, day + 14, 9), resolved_at=vn(2023, 2, 1, 9),
          outcome="late", status="returned")
    d(agency=land, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 20, 9), resolved_at=vn(2023, 1, 18, 9),
      outcome="early", status="returned")
    d(agency=land, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 10, 9))  # pending, overdue at the end
    d(agency=land, received_at=vn(2022, 12, 1, 9), due_at=vn(2022, 12, 10, 9), resolved_at=vn(2022, 12, 9, 9),
      outcome="early", status="returned")  # resolved before the window: not counted
    d(agency=land, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 9, 9), status="refused")  # never counted
    # received at Ngọc Kỳ's desk for the district's land office: the land office's figure
    d(unit=commune_a, handling_unit=district, agency=land, received_at=vn(2023, 2, 6, 9), due_at=vn(2023, 2, 16, 9),
      resolved_at=vn(2023, 2, 14, 9), outcome="early", status="returned", returned_at=vn(2023, 2, 15, 9))
    d(agency=justice, received_at=vn(2023, 1, 10, 9), due_at=vn(2023, 1, 20, 9), resolved_at=vn(2023, 1, 19, 9),
      outcome="on_time", status="returned")
    d(received_at=vn(2023, 1, 11, 9), due_at=vn(2023, 1, 21, 9))  # at the desk, no agency, overdue
    make_dossier(procedure=parcel, unit=commune_a, agency=None, received_at=vn(2023, 1, 12, 9), due_at=vn(2023, 1, 20, 9))


def independent(agency, figure):
    """The agency's dossiers counted straight from the records (no report code)."""
    start, end = Q1.start, Q1.end
    held = Dossier.objects.filter(handling_unit__code="298", agency=agency).exclude(status="refused")
    in_window = Q(received_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
    return {
        "received": held.filter(in_window),
        "resolved": held.filter(resolved_at__gte=start, resolved_at__lt=end),
        "late": held.filter(resolved_at__gte=start, resolved_at__lt=end, outcome="late"),
        "pending": held.filter(received_at__lt=end, resolved_at__isnull=True),
        "overdue": held.filter(received_at__lt=end, resolved_at__isnull=True, due_at__lt=end),
    }[figure].count()


def test_the_agency_officer_sees_only_its_agency_figures_equal_to_a_count_of_the_records(
        client, district, agencies, land_focal, quarter):
    land = agencies[0]
    client.force_login(land_focal)
    page = client.get(reverse("reports:agency"), {"period": Q1.key})  # their own agency by default
    assert page.status_code == 200 and page.context["agency"] == land
    totals = page.context["report"]["totals"]
    assert totals["received"]["total"] == independent(land, "received") == 6
    assert totals["resolved"]["total"] == independent(land, "resolved") == 5
    assert totals["resolved"]["late"] == independent(land, "late") == 3
    assert totals["pending"]["total"] == independent(land, "pending") == 1
    assert totals["pending"]["overdue"] == independent(land, "overdue") == 1
    whole = compute_figures(district, Q1).totals
    assert whole["received"]["total"] == 8 + 1 > totals["received"]["total"]  # the unit's report is more
    # the agency's row of the unit's report, from the same aggregation
    row = next(row for row in compute_figures(district, Q1).by_agency if row["agency_id"] == land.pk)
    assert {key: row[key] for key in ("received", "resolved", "pending")} == \
        {key: totals[key] for key in ("received", "resolved", "pending")}
    # every number lists the land office's dossiers only
    listing = client.get(reverse("reports:dossiers"), {"unit": district.code, "period": Q1.key, "figure": "received",
                                                       "agency": land.pk})
    assert {d.agency_id for d in listing.context["page"]} == {land.pk} and listing.context["page"].paginator.count == 6
    # the unit's report page links the officer to their agency's report
    index = client.get(reverse("reports:index"), {"unit": district.code, "period": Q1.key}).content.decode()
    assert 'data-testid="my-agency"' in index


def test_submitted_by_the_17th_is_on_time_and_an_agency_that_sent_nothing_is_missing(
        client, district, agencies, land_focal, justice_focal, district_office, quarter):
    land, justice, resources = agencies
    client.force_login(land_focal)
    response = client.post(reverse("reports:agency-submit"), {
        "unit": district.code, "agency": land.pk, "period": Q1.key, "assessment": "Ba hồ sơ quá hạn do chờ đo đạc.",
    })
    submission = ReportSubmission.objects.get(agency=land)
    assert response.status_code == 302 and response["Location"] == reverse("reports:submission", args=[submission.pk])
    assert submission.unit == district and submission.version == 1
    assert submission.figures["totals"]["resolved"]["late"] == 3 and submission.figures["agency"]["id"] == land.pk
    assert submission.narrative["assessment"] == "Ba hồ sơ quá hạn do chờ đo đạc."
    ReportSubmission.objects.filter(pk=submission.pk).update(submitted_at=vn(2023, 3, 17, 16))  # by the 17th
    late = report_submit(unit=district, agency=justice, period=Q1, by=justice_focal)
    ReportSubmission.objects.filter(pk=late.pk).update(submitted_at=vn(2023, 3, 18, 8))  # the day after

    # the unit's own report is apart: the district has not submitted, and its versions start at 1
    assert not ReportSubmission.objects.filter(unit=district, agency__isnull=True).exists()
    states = {row.agency: row.state for row in agency_submission_rows(district, Q1)}
    assert states == {land: SubmissionState.ON_TIME, justice: SubmissionState.LATE, resources: SubmissionState.MISSING}

    client.force_login(district_office)
    page = client.get(reverse("reports:submissions"), {"unit": district.code, "period": Q1.key}).content.decode()
    assert f'data-agency="{land.pk}" data-state="on_time"' in page
    assert f'data-agency="{justice.pk}" data-state="late"' in page
    assert f'data-agency="{resources.pk}" data-state="missing"' in page
    detail = client.get(reverse("reports:submission", args=[submission.pk]))
    assert detail.status_code == 200 and detail.context["on_time"] and land.name in detail.content.decode()

    # a correction is a new version of the agency's report, with its reason
    client.force_login(land_focal)
    refused = client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key})
    assert refused.status_code == 400 and ReportSubmission.objects.filter(agency=land).count() == 1
    client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key, "reason": "Sửa số liệu"})
    assert list(ReportSubmission.objects.filter(agency=land).values_list("version", flat=True).order_by("version")) == [1, 2]
    assert {row.agency: row.state for row in agency_submission_rows(district, Q1)}[land] == SubmissionState.ON_TIME


def test_another_agency_and_another_unit_are_refused(client, district, commune_b, agencies, justice_focal, quarter):
    land = agencies[0]
    assert can(justice_focal, "report.submit_agency", agencies[1])
    assert not can(justice_focal, "report.submit_agency", land)
    client.force_login(justice_focal)
    assert client.get(reverse("reports:agency"), {"agency": land.pk, "period": Q1.key}).status_code == 403
    response = client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key, "unit": district.code})
    assert response.status_code == 403
    sent = report_submit(unit=district, agency=land, period=Q1, by=None)
    assert client.get(reverse("reports:submission", args=[sent.pk])).status_code == 404  # nor what it sent

    outsiders = [member(commune_b, Role.FOCAL_OFFICER, "b.focal"), member(commune_b, Role.UNIT_LEADER, "b.leader"),
                 member(district, Role.PROCESSING_OFFICER, "land.processing", land)]
    for outsider in outsiders[:2]:  # another unit: the agency is outside what they see
        assert not can(outsider, "report.submit_agency", land)
        client.force_login(outsider)
        assert client.get(reverse("reports:agency"), {"agency": land.pk, "period": Q1.key}).status_code == 404
        assert client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key}).status_code == 404
    # the land office's processing officer sees its figures but does not send them
    assert not can(outsiders[2], "report.submit_agency", land)
    client.force_login(outsiders[2])
    page = client.get(reverse("reports:agency"), {"period": Q1.key})
    assert page.status_code == 200 and page.context["submit_form"] is None
    assert client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key}).status_code == 403
    assert list(ReportSubmission.objects.filter(agency=land)) == [sent]  # nothing sent by those refused


def test_the_unit_office_attached_to_an_agency_reads_every_agency_report(client, district, agencies, land_focal, quarter):
    """The district office's staff sit in an agency too (Văn phòng HĐND-UBND): they receive the agencies'
    reports, so they read each one, but send none."""
    land = agencies[0]
    office_agency = AgencyFactory(unit=district, name="Văn phòng HĐND và UBND huyện", kind=AgencyKind.SPECIALISED_OFFICE)
    office = member(district, Role.DISTRICT_OFFICE, "district.office", office_agency)
    sent = report_submit(unit=district, agency=land, period=Q1, by=land_focal)
    client.force_login(office)
    page = client.get(reverse("reports:agency"), {"agency": land.pk, "period": Q1.key})
    assert page.status_code == 200 and page.context["submit_form"] is None
    assert client.get(reverse("reports:submission", args=[sent.pk])).status_code == 200
    assert client.post(reverse("reports:agency-submit"), {"agency": land.pk, "period": Q1.key}).status_code == 403


def test_an_agency_report_matches_the_unit_report_row_for_row(district, agencies, quarter):
    """Each agency's report is the unit's report filtered by agency: the agencies' reports and the
    dossiers no agency holds add up to the unit's own figures."""
    reports = [agency_report(district, agency, Q1) for agency in agencies]
    whole = compute_figures(district, Q1)
    no_agency = next(row for row in whole.by_agency if row["agency_id"] is None)
    for key in ("received", "resolved", "pending"):
        assert sum(r["totals"][key]["total"] for r in reports) + no_agency[key]["total"] == whole.totals[key]["total"]


def test_the_agency_focal_officer_s_home_shows_its_own_report_to_send_and_the_committee_has_none(
        client, district, agencies, land_focal, district_committee_member):
    from reports.homes import agency_report_duty
    from reports.numbers import period_title

    land, justice, _resources = agencies
    client.force_login(land_focal)
    # The district's agencies report to it once one has sent its own report (reports.services.units_reporting_by_agency).
    assert 'data-testid="home-agency-report"' not in client.get(reverse("motcua:home")).content.decode()
    report_submit(unit=district, agency=justice, period=Q1, by=member(district, Role.FOCAL_OFFICER, "j2", justice))
    page = client.get(reverse("motcua:home")).content.decode()
    assert 'data-testid="home-agency-report"' in page and land.name in page
    assert f"?agency={land.pk}" in page
    duty = agency_report_duty(land, now=vn(2023, 3, 16, 9))  # before the 17th: the quarter just closed
    assert (duty["period_title"], duty["state"]) == (period_title(Q1), SubmissionState.MISSING)
    # The district's committee is the district itself: no agency report for its members.
    committee = district_committee_member.membership.agency
    assert not can(district_committee_member, "report.submit_agency", committee)
    client.force_login(district_committee_member)
    assert 'data-testid="home-agency-report"' not in client.get(reverse("motcua:home")).content.decode()


@pytest.fixture
def district_committee_member(district):
    committee = AgencyFactory(unit=district, name="Ủy ban nhân dân huyện Tứ Kỳ", kind=AgencyKind.PEOPLES_COMMITTEE)
    return member(district, Role.FOCAL_OFFICER, "committee.focal", committee)


def test_on_the_17th_the_agencies_that_have_not_sent_are_reminded_as_units_are(
        district, agencies, land_focal, justice_focal, quarter, mailoutbox):
    """Once the district's agencies report to it (the land office has sent Q1), the Phòng Tư pháp, which
    has not, is reminded on 17/03/2023 by e-mail to its focal officer, and the land office is not."""
    from datetime import date

    from reports.services import submission_remind_missing

    land, justice, _resources = agencies
    land_focal.email, justice_focal.email = "datdai@tuky.vn", "tuphap@tuky.vn"
    land_focal.save()
    justice_focal.save()
    report_submit(unit=district, agency=land, period=Q1, by=land_focal)
    submission_remind_missing(today=date(2023, 3, 17))
    reminded = [mail for mail in mailoutbox if "tuphap@tuky.vn" in mail.to]
    assert len(reminded) == 1 and "Phòng Tư pháp" in reminded[0].body and "Huyện Tứ Kỳ" in reminded[0].body
    assert not [mail for mail in mailoutbox if "datdai@tuky.vn" in mail.to]
