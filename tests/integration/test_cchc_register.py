"""The focal officers' register (seed 004: the decision naming each unit's focal officer for procedure control) and
the desk's duty roster: the unit above sees every unit and those without one; a commune records its own only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from cchc.models import DutyAssignment, DutyKind
from motcua.models import Role, today
from tests.factories import UnitFactory, staff

pytestmark = pytest.mark.django_db


def test_the_unit_above_sees_every_unit_and_those_without_a_focal_officer(client, district, commune_a, commune_b,
                                                                         district_office, leader_b):
    client.force_login(district_office)
    page = client.get(reverse("cchc:register"))
    assert page.status_code == 200
    assert {u.pk for u in page.context["without_focal"]} == {commune_a.pk, commune_b.pk}

    monday = today() - timedelta(days=today().weekday())
    response = client.post(reverse("cchc:register-add"), {
        "unit": commune_a.code, "kind": DutyKind.FOCAL, "person": "Trần Thị Hoa", "position": "Công chức Văn phòng - Thống kê",
        "starts_on": (today() - timedelta(days=30)).strftime("%d/%m/%Y"),
        "decision": "Quyết định số 12/QĐ-UBND ngày 05/01/2026 của Chủ tịch UBND xã Ngọc Kỳ"})
    assert response.status_code == 302
    # Leader B records the desk duty of his own commune for this week (any day of the week: stored as its Monday).
    client.force_login(leader_b)
    response = client.post(reverse("cchc:register-add"), {
        "unit": commune_b.code, "kind": DutyKind.DESK, "person": "Vũ Thị Mai", "counter": "Quầy 1",
        "starts_on": today().strftime("%d/%m/%Y"), "decision": "Quyết định số 3/QĐ-UBND của Chủ tịch UBND thị trấn"})
    assert response.status_code == 302
    assert DutyAssignment.objects.get(kind=DutyKind.DESK).starts_on == monday
    # … but not commune A's: it is not offered, and a forged post is refused with nothing written.
    refused = client.post(reverse("cchc:register-add"), {
        "unit": commune_a.code, "kind": DutyKind.FOCAL, "person": "Người khác", "starts_on": today().strftime("%d/%m/%Y"),
        "decision": "QĐ"})
    assert refused.status_code == 200 and DutyAssignment.objects.filter(unit=commune_a).count() == 1

    client.force_login(district_office)
    page = client.get(reverse("cchc:register"))
    assert {u.pk for u in page.context["without_focal"]} == {commune_b.pk}
    text = page.content.decode()
    assert "Trần Thị Hoa" in text and "Quyết định số 12/QĐ-UBND" in text and "Vũ Thị Mai" in text


def test_a_new_focal_officer_ends_the_previous_one(client, district, commune_a, leader_a):
    client.force_login(leader_a)
    for person, days_ago in (("Trần Thị Hoa", 400), ("Lê Văn Nam", 10)):
        client.post(reverse("cchc:register-add"), {
            "unit": commune_a.code, "kind": DutyKind.FOCAL, "person": person,
            "starts_on": (today() - timedelta(days=days_ago)).strftime("%d/%m/%Y"), "decision": f"QĐ cử {person}"})
    current = DutyAssignment.objects.current(today()).filter(unit=commune_a, kind=DutyKind.FOCAL)
    assert [a.person for a in current] == ["Lê Văn Nam"]
    assert DutyAssignment.objects.get(person="Trần Thị Hoa").ends_on == today() - timedelta(days=11)


def test_another_districts_staff_see_nothing_of_the_register(client, province, district, commune_a, district_office):
    DutyAssignment.objects.create(unit=commune_a, kind=DutyKind.FOCAL, person="Trần Thị Hoa", starts_on=today(), decision="QĐ")
    other = UnitFactory(code="288", name="Huyện Thanh Hà", level="district", parent=province)
    outsider = staff(other, Role.DISTRICT_OFFICE, "thanh-ha")
    client.force_login(outsider)
    assert client.get(reverse("cchc:register"), {"unit": commune_a.code}).status_code == 404
    assert client.post(reverse("cchc:register-add") + f"?unit={commune_a.code}", {"unit": commune_a.code}).status_code == 404
    page = client.get(reverse("cchc:register"))
    assert page.status_code == 200 and "Trần Thị Hoa" not in page.content.decode()


# -- where the desk works: its home and the receipt slip's "người tiếp nhận" -----------------------------------


def test_the_desk_home_shows_who_sits_at_the_counter_this_week_and_the_focal_officer(client, commune_a, commune_b, desk_a):
    monday = today() - timedelta(days=today().weekday())
    DutyAssignment.objects.create(unit=commune_a, kind=DutyKind.DESK, person="Phạm Văn Đức", counter="Quầy 2",
                                  starts_on=monday, ends_on=monday + timedelta(days=6), decision="QĐ 5/QĐ-UBND")
    DutyAssignment.objects.create(unit=commune_a, kind=DutyKind.DESK, person="Người tuần trước", starts_on=monday - timedelta(days=7),
                                  ends_on=monday - timedelta(days=1), decision="QĐ 4/QĐ-UBND")
    DutyAssignment.objects.create(unit=commune_a, kind=DutyKind.FOCAL, person="Trần Thị Hoa", position="Công chức Tư pháp - Hộ tịch",
                                  starts_on=today() - timedelta(days=100), decision="Quyết định số 12/QĐ-UBND")
    DutyAssignment.objects.create(unit=commune_b, kind=DutyKind.DESK, person="Vũ Thị Mai", starts_on=monday, decision="QĐ")
    client.force_login(desk_a)
    page = client.get(reverse("motcua:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="home-duty"' in html
    assert "Phạm Văn Đức" in html and "Quầy 2" in html and "Trần Thị Hoa" in html and "Quyết định số 12/QĐ-UBND" in html
    assert "Người tuần trước" not in html and "Vũ Thị Mai" not in html  # another week, another commune


def _slip_officer(client, dossier) -> str:
    from tests.integration.test_printed_forms import form_url, pdf_text

    return pdf_text(client.get(form_url("receipt-pdf", dossier)))


def test_the_receipt_slip_names_who_received_it_and_the_roster_only_for_an_imported_dossier(
        client, commune_a, agency_a, birth_registration, desk_a):
    from datetime import date

    from dossiers.models import Dossier
    from tests.factories import vn
    from tests.integration.test_printed_forms import receive

    # Received Friday 16/01/2026: the week of Monday 12/01/2026, when Phạm Văn Đức sits at the counter.
    received = receive(commune_a, birth_registration, desk_a, vn(2026, 1, 16, 16, 0))
    imported = receive(commune_a, birth_registration, desk_a, vn(2026, 1, 14, 9, 0))
    Dossier.objects.filter(pk=imported.pk).update(received_by=None)  # as an imported dossier: no account received it
    other_week = receive(commune_a, birth_registration, desk_a, vn(2026, 1, 20, 9, 0))
    Dossier.objects.filter(pk=other_week.pk).update(received_by=None)
    DutyAssignment.objects.create(unit=commune_a, kind=DutyKind.DESK, person="Phạm Văn Đức", counter="Quầy 1",
                                  starts_on=date(2026, 1, 12), ends_on=date(2026, 1, 18), decision="QĐ 5/QĐ-UBND")
    client.force_login(desk_a)
    # The officer who received it signs the slip, whoever the roster names that week.
    text = _slip_officer(client, received)
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Nguyễn Thị Lan" in text and "Phạm Văn Đức" not in text
    # A dossier no account received: the rostered officer of its week.
    assert "Phạm Văn Đức" in _slip_officer(client, imported)
    # Nor account nor roster (the next week): no name.
    other = _slip_officer(client, other_week)
    assert "Phạm Văn Đức" not in other and "Nguyễn Thị Lan" not in other
