"""What the office makes public each month (issue 19): the figures are the report's (the one aggregation), the
late dossiers carry their procedure, the apology's reason and new appointment and nothing personal, and the
published answers to feedback of that month; a month not begun, or a unit not in force then, is not found."""
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.services import (
    Applicant, dossier_apologise, dossier_receive, dossier_resolve, dossier_start, dossier_transfer,
)
from dossiers.tickets.services import ticket_receive, ticket_step
from motcua.periods import parse_period
from reports.figures import compute_figures
from tests.factories import vn

pytestmark = pytest.mark.django_db

CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912 345 678", address="Thôn Đông, Ngọc Kỳ",
                    email="an.nguyen@example.vn")
APOLOGY_REASON = "Cán bộ thụ lý đi công tác đột xuất"
ANSWER = "Ủy ban nhân dân xã đã niêm yết lại thành phần hồ sơ."


def resolved(unit, procedure, desk, officer, *, received_at, resolved_at, apology=None):
    dossier = dossier_receive(unit=unit, procedure=procedure, applicant=CITIZEN, by=desk, received_at=received_at)
    dossier = dossier_transfer(dossier=dossier, by=desk, officer=officer, at=received_at + timezone.timedelta(minutes=30))
    dossier = dossier_start(dossier=dossier, by=officer, at=received_at + timezone.timedelta(hours=1))
    if apology:
        dossier_apologise(dossier=dossier, by=officer, reason=APOLOGY_REASON, new_due_at=apology[1], at=apology[0])
    return dossier_resolve(dossier=dossier, by=officer, at=resolved_at)


@pytest.fixture
def january(commune_a, agency_a, birth_registration, desk_a, processing_a, leader_a, commune_b):
    """January 2026 at Ngọc Kỳ: one dossier resolved early, one on time, one late after an apology; a
    feedback answer published in January and one in February."""
    early = resolved(commune_a, birth_registration, desk_a, processing_a,
                     received_at=vn(2026, 1, 19, 8, 0), resolved_at=vn(2026, 1, 20, 10, 0))
    on_time = resolved(commune_a, birth_registration, desk_a, processing_a,
                       received_at=vn(2026, 1, 19, 8, 5), resolved_at=vn(2026, 1, 22, 7, 50))
    late = resolved(commune_a, birth_registration, desk_a, processing_a,
                    received_at=vn(2026, 1, 12, 8, 0), resolved_at=vn(2026, 1, 19, 15, 0),
                    apology=(vn(2026, 1, 14, 16, 0), vn(2026, 1, 20, 16, 0)))
    tickets = []
    for day in (vn(2026, 1, 26, 9, 0), vn(2026, 2, 3, 9, 0)):
        ticket = ticket_receive(unit=commune_a, channel="website", sender_name="Trần Thị Bình",
                                sender_contact="0987654321", content=f"Phản ánh ngày {day:%d/%m}.", at=day)
        for action, kwargs in (("classify", {"classification": "regulation"}), ("answer", {"answer": f"{ANSWER} ({day:%d/%m})"}),
                               ("publish", {})):
            ticket = ticket_step(ticket=ticket, action=action, by=leader_a, at=day + timezone.timedelta(hours=2), **kwargs)
        tickets.append(ticket)
    return {"early": early, "on_time": on_time, "late": late, "tickets": tickets}


def month_page(client, unit, month):
    return client.get(reverse("results:month", args=[unit.key, month]))


def shown(page: str, figure: str) -> int:
    return int(re.search(rf'data-figure="{figure}">([\d.]+)<', page)[1].replace(".", ""))


def test_the_month_shows_the_figures_of_the_one_aggregation(client, commune_a, district, january):
    for unit in (commune_a, district):
        page = month_page(client, unit, "2026-01").content.decode()
        figures = compute_figures(unit, parse_period("cal:2026-01")).totals["resolved"]
        assert {key: shown(page, key) for key in ("resolved", "early", "on_time", "late")} == {
            "resolved": figures["total"], "early": figures["early"], "on_time": figures["on_time"], "late": figures["late"],
        }
        assert (figures["total"], figures["early"], figures["on_time"], figures["late"]) == (3, 1, 1, 1)
    # February: nothing resolved.
    page = month_page(client, commune_a, "2026-02").content.decode()
    assert shown(page, "resolved") == 0


def test_the_late_dossiers_show_procedure_reason_and_new_date_and_nothing_personal(client, commune_a, january, processing_a):
    response = month_page(client, commune_a, "2026-01")
    assert response.status_code == 200
    page = response.content.decode()
    late = january["late"]
    listed = re.search(r'data-testid="late-list">(.*?)</ol>', page, re.S)[1]
    assert listed.count("<li") == 1
    assert "Thủ tục đăng ký khai sinh" in listed and APOLOGY_REASON in listed and "20/01/2026" in listed
    assert "…" + late.code[-4:] in listed
    for private in (late.code, january["early"].code, january["on_time"].code, "Nguyễn Văn An", "030085001234",
                    "0912 345 678", "0912345678", "Thôn Đông", "an.nguyen@example.vn", "Trần Thị Bình", "0987654321",
                    processing_a.username, processing_a.last_name):
        assert private not in page, private


def test_the_month_shows_the_answers_published_in_it(client, commune_a, january):
    page = month_page(client, commune_a, "2026-01").content.decode()
    assert f"{ANSWER} (26/01)" in page and f"{ANSWER} (03/02)" not in page
    assert f"{ANSWER} (03/02)" in month_page(client, commune_a, "2026-02").content.decode()


def test_a_month_not_begun_is_not_found(client, commune_a):
    today = timezone.localdate()
    following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    assert month_page(client, commune_a, following.strftime("%Y-%m")).status_code == 404
    assert month_page(client, commune_a, today.strftime("%Y-%m")).status_code == 200
    assert month_page(client, commune_a, "2026-13").status_code == 404
    assert client.get(f"/cong-khai/ket-qua/{commune_a.key}/tháng-1/").status_code == 404


def test_a_unit_not_in_force_that_month_or_unknown_is_not_found(client, commune_a):
    commune_a.valid_from = date(2025, 7, 1)
    commune_a.save(update_fields=["valid_from"])
    assert month_page(client, commune_a, "2025-06").status_code == 404
    assert month_page(client, commune_a, "2025-07").status_code == 200
    assert client.get(reverse("results:month", args=["99999", "2025-07"])).status_code == 404


def test_the_page_is_public_and_cacheable(client, commune_a):
    response = month_page(client, commune_a, "2026-01")
    assert "public" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
