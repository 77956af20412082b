"""The internal process of a procedure (quy trình nội bộ, issue 17): stages with their share of the
processing time, each judged on its own due moment, the stage that ran late named on the control slip,
and the apology issued by the agency that held it.

The story: Ngọc Kỳ's desk receives, on Monday 02/11/2026 at 07:30, a district procedure inter-connected
with the commune (3 working days = 24 hours): the desk's 4 hours, the district's Phòng Tư pháp's 12
hours to check and propose, the chairman's 4 hours to approve, the desk's 4 hours to return. The Phòng
keeps it until Thursday 10:00 (its share ended Tuesday 16:00), so the dossier is late because of it,
and only of it.
"""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Apology, Dossier, Outcome
from dossiers.printing.documents import apology_context, control_context
from dossiers.services import Applicant, TransitionError
from motcua.documents import desk_title
from motcua.models import AgencyKind, Role
from procedures.parsing import CellError, check_stage_hours, format_stages, parse_stages
from procedures.services import procedure_terms_at
from tests.conftest import INTER_LEVEL_PROCESS
from tests.factories import PASSWORD, AgencyFactory, MembershipFactory, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def land_office(district):
    return AgencyFactory(unit=district, kind=AgencyKind.LAND_REGISTRATION, identifier="000.00.09.H23",
                         name="Chi nhánh Văn phòng đăng ký đất đai huyện Tứ Kỳ")


@pytest.fixture
def land_officer(district, land_office):
    return MembershipFactory(unit=district, agency=land_office, role=Role.PROCESSING_OFFICER,
                             user__username="dat.dai", user__first_name="Quang", user__last_name="Vũ Văn").user


@pytest.fixture
def procedure(inter_level_procedure):
    return inter_level_procedure


def _receive(desk, commune, district, procedure, at):
    return services.dossier_receive(unit=commune, procedure=procedure, by=desk, received_at=at, handling_unit=district,
                                    applicant=Applicant(name="Nguyễn Văn An", phone="0912345678"))


def test_the_stages_are_read_and_written_like_the_rest_of_the_catalogue():
    stages = parse_stages(INTER_LEVEL_PROCESS)
    assert [(s.holder, s.hours) for s in stages] == [
        ("desk", 4), (AgencyKind.SPECIALISED_OFFICE, 12), ("leader", 4), ("desk", 4)]
    assert parse_stages(format_stages(stages)) == stages
    check_stage_hours(stages, Decimal(3), Decimal(8))  # 24 hours: the three days
    with pytest.raises(CellError, match="cộng lại là 24 giờ làm việc, nhưng thời hạn giải quyết là 2 ngày làm việc"):
        check_stage_hours(stages, Decimal(2), Decimal(8))
    with pytest.raises(CellError, match="không phải nơi thực hiện một bước"):
        parse_stages("Thẩm định [Sở Xây dựng] 8 giờ")


def test_the_version_keeps_the_stages_a_dossier_copies(procedure):
    terms = procedure_terms_at(procedure=procedure, moment=vn(2026, 11, 2, 7, 30))
    assert [s.name for s in terms.stages] == ["Tiếp nhận, chuyển hồ sơ", "Thẩm định, đề xuất", "Phê duyệt", "Trả kết quả"]


def test_each_stage_is_judged_on_its_own_share_and_the_late_one_is_named(
        desk_a, commune_a, district, procedure, justice_office, justice_officer, district_leader):
    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    assert dossier.due_at == vn(2026, 11, 4, 17, 30)  # Monday 07:30 + 24 working hours
    first = dossier.stages.get(position=0)
    assert (first.unit, first.started_at, first.due_at) == (commune_a, vn(2026, 11, 2, 7, 30), vn(2026, 11, 2, 11, 30))

    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office, at=vn(2026, 11, 2, 10, 0))
    check = dossier.stages.get(position=1)
    # 10:00 → 11:30 and 13:30 → 17:30 on Monday, 07:30 → 11:30 and 13:30 → 16:00 on Tuesday: 12 hours.
    assert (check.agency, check.started_at, check.due_at) == (justice_office, vn(2026, 11, 2, 10, 0), vn(2026, 11, 3, 16, 0))
    services.dossier_start(dossier=dossier, by=justice_officer, at=vn(2026, 11, 2, 14, 0))
    assert dossier.stages.get(position=1).ended_at is None  # starting work inside the agency's stage moves nothing

    services.dossier_hand_on(dossier=dossier, by=justice_officer, at=vn(2026, 11, 5, 10, 0), note="Trình ký")
    services.dossier_apologise(dossier=dossier, by=justice_officer, reason="Phải xác minh lại sổ hộ tịch gốc",
                               new_due_at=vn(2026, 11, 6, 16, 0), at=vn(2026, 11, 5, 10, 30))
    services.dossier_resolve(dossier=dossier, by=district_leader, at=vn(2026, 11, 5, 15, 0))
    services.dossier_return(dossier=dossier, by=desk_a, at=vn(2026, 11, 6, 8, 30))

    dossier.refresh_from_db()
    assert dossier.outcome == Outcome.LATE
    rows = list(dossier.stages.order_by("position").values_list("outcome", "started_at", "due_at", "ended_at"))
    assert rows == [
        (Outcome.ON_TIME, vn(2026, 11, 2, 7, 30), vn(2026, 11, 2, 11, 30), vn(2026, 11, 2, 10, 0)),
        (Outcome.LATE, vn(2026, 11, 2, 10, 0), vn(2026, 11, 3, 16, 0), vn(2026, 11, 5, 10, 0)),
        (Outcome.ON_TIME, vn(2026, 11, 5, 10, 0), vn(2026, 11, 5, 16, 0), vn(2026, 11, 5, 15, 0)),
        (Outcome.ON_TIME, vn(2026, 11, 5, 15, 0), vn(2026, 11, 6, 9, 0), vn(2026, 11, 6, 8, 30)),
    ]
    apology = Apology.objects.get(dossier=dossier)
    assert (apology.stage.position, apology.unit, apology.agency) == (1, district, justice_office)

    # The control slip: one row per stage with its due and actual moments, the late one with its apology.
    slip = control_context(dossier)
    desk = desk_title(commune_a, date(2026, 11, 2))
    assert [(row.name, row.office, row.outcome) for row in slip["stages"]] == [
        ("Tiếp nhận, chuyển hồ sơ", desk, "Đúng hạn"),
        ("Thẩm định, đề xuất", "Phòng Tư pháp huyện Tứ Kỳ", "Quá hạn"),
        ("Phê duyệt", "Lãnh đạo – Huyện Tứ Kỳ", "Đúng hạn"),
        ("Trả kết quả", desk, "Đúng hạn"),
    ]
    assert slip["stages"][1].apologies == [apology]
    # The apology letter is the Phòng's, handed to the citizen by the desk.
    letter = apology_context(dossier)
    assert letter["issuer"] == "Phòng Tư pháp huyện Tứ Kỳ"
    assert letter["stage"].name == "Thẩm định, đề xuất"


def test_one_apology_per_late_stage_and_no_second_for_the_same_stage(
        desk_a, commune_a, district, procedure, justice_office, justice_officer, district_leader):
    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office, at=vn(2026, 11, 3, 10, 0))
    services.dossier_hand_on(dossier=dossier, by=justice_officer, at=vn(2026, 11, 9, 8, 0))
    # The desk's stage (ended Tuesday, due Monday 11:30) and the Phòng's (ended the next Monday) ran late.
    first = services.dossier_apologise(dossier=dossier, by=desk_a, reason="Chậm chuyển hồ sơ",
                                       new_due_at=vn(2026, 11, 10, 16, 0), at=vn(2026, 11, 9, 8, 30))
    second = services.dossier_apologise(dossier=dossier, by=justice_officer, reason="Chậm thẩm định",
                                        new_due_at=vn(2026, 11, 11, 16, 0), at=vn(2026, 11, 9, 9, 0))
    assert (first.stage.position, first.unit, first.agency) == (0, commune_a, None)
    assert (second.stage.position, second.agency) == (1, justice_office)
    dossier.refresh_from_db()
    assert dossier.apology == second  # the latest appointment is the one the citizen holds
    with pytest.raises(TransitionError, match="đã có phiếu xin lỗi"):
        services.dossier_apologise(dossier=dossier, by=justice_officer, reason="Lần nữa",
                                   new_due_at=vn(2026, 11, 12, 16, 0), at=vn(2026, 11, 9, 9, 30))
    assert apology_context(dossier, number=1)["issuer"] == desk_title(commune_a, date(2026, 11, 9))
    # The applicant's SMS of the second apology gives its own new appointment.
    from notices.models import Message

    texts = list(Message.objects.filter(dossier=dossier, kind="late").order_by("pk").values_list("text", flat=True))
    assert len(texts) == 2 and "16:00 11/11/2026" in texts[1] and "16:00 11/11/2026" not in texts[0]
    # The register (sổ theo dõi) notes the appointment the citizen holds now: the latest.
    from dossiers.printing.register import register_queryset, register_rows

    rows = list(register_rows(register_queryset(Dossier.objects.all(), start=date(2026, 11, 2), end=date(2026, 11, 2))))
    assert "Xin lỗi, hẹn lại 16:00 11/11/2026" in rows[0].note


def test_a_dossier_of_a_procedure_without_a_process_keeps_its_one_apology(desk_a, commune_a, agency_a, birth_registration):
    dossier = services.dossier_receive(unit=commune_a, procedure=birth_registration, by=desk_a,
                                       received_at=vn(2026, 11, 2, 7, 30), applicant=Applicant(name="Lê Văn Bình"))
    assert not dossier.stages.exists()
    services.dossier_apologise(dossier=dossier, by=desk_a, reason="Chờ xác minh", new_due_at=vn(2026, 11, 10, 16, 0),
                               at=vn(2026, 11, 6, 8, 0))
    with pytest.raises(TransitionError, match="chỉ được một phiếu"):
        services.dossier_apologise(dossier=dossier, by=desk_a, reason="Lần nữa", new_due_at=vn(2026, 11, 12, 16, 0),
                                   at=vn(2026, 11, 9, 8, 0))


def test_a_pause_moves_the_held_stage_s_due_moment(desk_a, commune_a, district, procedure, justice_office, justice_officer):
    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office, at=vn(2026, 11, 2, 10, 0))
    services.dossier_pause(dossier=dossier, by=justice_officer, kind="verification", reason="Xác minh",
                           at=vn(2026, 11, 3, 7, 30))
    services.dossier_resume(dossier=dossier, by=justice_officer, at=vn(2026, 11, 4, 7, 30))
    # One working day paused: the Phòng's share now ends Wednesday 16:00 instead of Tuesday 16:00.
    assert dossier.stages.get(position=1).due_at == vn(2026, 11, 4, 16, 0)


def test_only_the_agency_holding_the_stage_acts_on_it_through_the_screens(
        client, desk_a, desk_b, commune_a, district, procedure, justice_office, justice_officer, land_officer):
    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office, at=vn(2026, 11, 2, 10, 0))
    services.dossier_start(dossier=dossier, by=justice_officer, at=vn(2026, 11, 2, 14, 0))
    url = reverse("dossiers:action", kwargs={"code": dossier.code, "action": "hand_on"})

    for outsider in (land_officer, desk_b):  # another agency of the district; another commune's desk
        client.force_login(outsider)
        assert client.post(url, {"hand_on-note": "x"}).status_code in (403, 404)
    assert dossier.stages.get(position=1).ended_at is None

    client.login(username=justice_officer.username, password=PASSWORD)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code}))
    # Past its share (Tuesday 16:00): the apology form says the Phòng issues it, for its stage.
    assert "Phòng Tư pháp huyện Tứ Kỳ" in page.context["actions"][-1]["form"]["reason"].help_text
    assert b'data-testid="stages"' in page.content and b'data-testid="step-hand_on"' in page.content
    response = client.post(url, {"hand_on-note": "Trình lãnh đạo ký"})
    assert response.status_code == 302
    assert dossier.stages.get(position=1).ended_by == justice_officer
    assert dossier.stages.get(position=2).started_at is not None

    # Now the chairman's stage: the Phòng's officer may no longer act on it; the chairman may, even when his
    # account sits in the district's People's Committee (the unit itself, not one of its agencies).
    from motcua.models import Agency
    from motcua.permissions import can

    dossier.refresh_from_db()
    assert dossier.stage_holder == "leader"
    assert not can(justice_officer, "dossier.resolve", dossier)
    assert client.post(reverse("dossiers:action", kwargs={"code": dossier.code, "action": "resolve"})).status_code == 403
    committee = Agency.objects.create(unit=district, kind=AgencyKind.PEOPLES_COMMITTEE, name="UBND huyện Tứ Kỳ",
                                      identifier="000.00.12.H23")
    chairman = MembershipFactory(unit=district, agency=committee, role=Role.UNIT_LEADER, user__username="chu.tich").user
    assert can(chairman, "dossier.resolve", dossier)

    # The receiving desk follows the whole path of the dossier it received.
    client.force_login(desk_a)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code}))
    assert page.status_code == 200
    assert "Phòng Tư pháp huyện Tứ Kỳ" in page.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).stages.filter(started_at__isnull=False).count() == 3


def test_the_report_names_the_holder_that_ran_late_and_lists_its_dossiers(
        desk_a, commune_a, district, procedure, justice_office, justice_officer, district_leader):
    from motcua.periods import parse_period
    from reports.stages import stage_dossiers, stage_figures

    late = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    timely = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 8, 0))
    for dossier, handed_on in ((late, vn(2026, 11, 5, 10, 0)), (timely, vn(2026, 11, 3, 9, 0))):
        services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office,
                                  at=vn(2026, 11, 2, 10, 0))
        services.dossier_hand_on(dossier=dossier, by=justice_officer, at=handed_on)
    services.dossier_resolve(dossier=late, by=district_leader, at=vn(2026, 11, 5, 15, 0))
    services.dossier_return(dossier=late, by=desk_a, at=vn(2026, 11, 6, 8, 30))

    period = parse_period("cal:2026-11")
    figures = stage_figures(district, period)
    assert figures[0].holder_name == "Phòng Tư pháp huyện Tứ Kỳ"  # the one that ran late comes first
    rows = {(row.holder, row.unit_id): row.counts for row in figures}
    office = rows[(AgencyKind.SPECIALISED_OFFICE, district.pk)]
    assert (office["ended"], office["late"], office["on_time"] + office["early"]) == (2, 1, 1)
    # Checked against the stages themselves, counted another way.
    from dossiers.models import DossierStage
    assert office["late"] == DossierStage.objects.filter(agency=justice_office, outcome="late").count()
    assert list(stage_dossiers(district, period, "late", agency=justice_office.pk)) == [late]
    leader = rows[("leader", district.pk)]
    assert (leader["ended"], leader["held"]) == (1, 1)
    # The commune's desk held the first stage of both and the return of one: its row belongs to the
    # dossiers the district handles.
    assert rows[("desk", commune_a.pk)]["ended"] == 3


def test_the_report_screen_pdf_and_workbook_carry_the_stages_by_holder(
        client, desk_a, commune_a, district, district_office, procedure, justice_office, justice_officer):
    from io import BytesIO

    from openpyxl import load_workbook

    from motcua.periods import parse_period
    from reports.formatters import pdf_context, to_xlsx
    from reports.report import build_report

    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, agency=justice_office, at=vn(2026, 11, 2, 10, 0))
    services.dossier_hand_on(dossier=dossier, by=justice_officer, at=vn(2026, 11, 5, 10, 0))
    period = parse_period("cal:2026-11")

    data = build_report(district, period)
    office = next(row for row in data.stages if row["agency_id"] == justice_office.pk)
    assert (office["ended"], office["late"]) == (1, 1)
    sentence = next(line for line in pdf_context(data)["agencies"] if line.startswith("Theo quy trình nội bộ"))
    assert "Phòng Tư pháp huyện Tứ Kỳ: 1 bước chậm, 0 bước đang quá thời gian" in sentence
    assert "Lãnh đạo – Huyện Tứ Kỳ: 0 bước chậm, 1 bước đang quá thời gian" in sentence
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Theo bước"]
    rows = {row[1]: row[2:8] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert rows["Phòng Tư pháp huyện Tứ Kỳ"] == (1, 0, 0, 1, 0, 0)
    # The leader holds the third stage at the end of November, past its 4 hours.
    assert rows["Lãnh đạo – Huyện Tứ Kỳ"] == (0, 0, 0, 0, 1, 1)

    client.force_login(district_office)
    page = client.get(reverse("reports:index"), {"unit": district.code, "period": period.key}).content.decode()
    assert 'data-testid="by-stage"' in page and 'data-figure="stage-late"' in page
    listing = client.get(reverse("reports:dossiers"), {
        "unit": district.code, "period": period.key, "figure": "stage_late", "stage_unit": district.pk,
        "holder": AgencyKind.SPECIALISED_OFFICE, "agency": justice_office.pk})
    assert [row.code for row in listing.context["page"].object_list] == [dossier.code]
    # The dashboard shows the same rows, from the same query.
    board = client.get(reverse("reports:dashboard"), {"unit": district.code, "period": period.key})
    assert board.context["by_stage"] == data.stages and 'data-testid="by-stage"' in board.content.decode()


def test_a_transfer_within_the_stage_s_holder_keeps_the_stage_and_moves_it(
        desk_a, district_desk, commune_a, district, procedure, justice_office, justice_officer):
    """The commune's desk sends the dossier to the district without choosing a phòng; the district's desk
    sends it on to the Phòng Tư pháp: still the check-and-propose stage, now held by that Phòng."""
    from tests.factories import AgencyFactory

    finance = AgencyFactory(unit=district, kind=AgencyKind.SPECIALISED_OFFICE, name="Phòng Tài chính - Kế hoạch",
                            identifier="000.00.04.H23")
    dossier = _receive(desk_a, commune_a, district, procedure, vn(2026, 11, 2, 7, 30))
    services.dossier_transfer(dossier=dossier, by=desk_a, to_unit=district, at=vn(2026, 11, 2, 10, 0))
    services.dossier_transfer(dossier=dossier, by=district_desk, agency=finance, at=vn(2026, 11, 2, 11, 0))
    services.dossier_transfer(dossier=dossier, by=district_desk, agency=justice_office, at=vn(2026, 11, 2, 14, 0))
    check = dossier.stages.get(position=1)
    assert (check.started_at, check.ended_at, check.agency) == (vn(2026, 11, 2, 10, 0), None, justice_office)
    assert dossier.stages.filter(started_at__isnull=False).count() == 2
    services.dossier_hand_on(dossier=dossier, by=justice_officer, at=vn(2026, 11, 3, 9, 0))
    assert dossier.stages.get(position=1).ended_at == vn(2026, 11, 3, 9, 0)
