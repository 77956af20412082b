"""Ratings and feedback tickets: one model for three ways in, ticket steps, deadlines and figures."""
from decimal import Decimal

import pytest

from dossiers.ratings.services import FeedbackError, kiosk_authenticate, kiosk_register, rating_record, ratings_in, satisfaction_by, satisfaction_figures, land_group_filter

from dossiers.tickets.services import ticket_actions, ticket_figures, ticket_receive, ticket_step, tickets_in
from dossiers.models import Rating, TicketStatus
from dossiers.services import Applicant, dossier_receive
from tests.factories import procedure_make, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(commune_a, agency_a, desk_officer_a):
    procedure = procedure_make("1.003003", "Đăng ký biến động đất đai", field=("DD", "Đất đai"), days=10)
    return dossier_receive(unit=commune_a, procedure=procedure, applicant=Applicant(name="Trần Thị Bình", phone="0987654321"),
                           by=desk_officer_a, received_at=vn(2026, 1, 19, 8, 0))


def test_an_online_rating_knows_the_unit_field_procedure_and_officer(dossier, desk_officer_a):
    rating = rating_record(level="satisfied", channel="online", dossier=dossier, criteria={"attitude": "very_satisfied"})
    assert (rating.unit, rating.field.name, rating.procedure, rating.officer) == (
        dossier.receiving_unit, "Đất đai", dossier.procedure, desk_officer_a)


def test_a_second_online_rating_of_a_dossier_is_refused(dossier):
    rating_record(level="satisfied", channel="online", dossier=dossier)
    with pytest.raises(FeedbackError):
        rating_record(level="unsatisfied", channel="online", dossier=dossier)
    assert Rating.objects.count() == 1
    rating_record(level="unsatisfied", channel="paper", dossier=dossier)  # a paper form is another channel
    assert Rating.objects.count() == 2


def test_a_kiosk_token_is_shown_once_and_stored_hashed(commune_a):
    device, token = kiosk_register(unit=commune_a, name="Quầy 1")
    assert token not in device.token_hash
    assert kiosk_authenticate(token) == device
    assert kiosk_authenticate("not-a-token") is None
    device.is_active = False
    device.save()
    assert kiosk_authenticate(token) is None


def test_unknown_criteria_are_refused(commune_a):
    with pytest.raises(FeedbackError):
        rating_record(level="satisfied", channel="paper", unit=commune_a, criteria={"weather": "satisfied"})


def test_satisfaction_rate_and_the_land_group(dossier, commune_a):
    for level in ["very_satisfied", "satisfied", "satisfied", "unsatisfied"]:
        rating_record(level=level, channel="paper", dossier=dossier, at=vn(2026, 2, 2, 9, 0))
    rating_record(level="satisfied", channel="kiosk", unit=commune_a, at=vn(2026, 2, 2, 9, 0))
    ratings = ratings_in(commune_a, vn(2026, 1, 1), vn(2026, 3, 1))
    figures = satisfaction_figures(ratings)
    assert (figures.total, figures.satisfied_total, figures.rate) == (5, 4, Decimal("80.00"))
    land = satisfaction_figures(ratings.filter(land_group_filter()))
    assert (land.total, land.rate) == (4, Decimal("75.00"))
    by_unit = satisfaction_by(ratings, "unit__code")
    assert by_unit == [{"unit__code": "11089", "total": 5, "very_satisfied": 1, "satisfied": 3, "unsatisfied": 1, "rate": Decimal("80.00")}]


def test_a_ticket_is_due_ten_working_days_later_across_a_holiday(commune_a):
    ticket = ticket_receive(unit=commune_a, channel="website", sender_name="Lê Văn Cường", sender_contact="0912000111",
                            content="Phản ánh thời gian giải quyết", at=vn(2026, 2, 12, 9, 0))
    # Thursday 12/02/2026 09:00 + 10 working days, with Tết 16–20/02 off → Thursday 05/03/2026 09:00
    assert ticket.due_at == vn(2026, 3, 5, 9, 0)
    assert ticket.code.startswith("PAKN-11089-260212-")


def test_every_ticket_step_in_order_and_refused_out_of_order(commune_a, agency_a, desk_officer_a):
    ticket = ticket_receive(unit=commune_a, channel="phone", sender_name="Phạm Văn Dũng", sender_contact="0912000222",
                            content="Kiến nghị về quy định", entered_by=desk_officer_a)
    assert ticket_actions(ticket) == ["classify"]
    with pytest.raises(FeedbackError):
        ticket_step(ticket=ticket, action="answer", by=desk_officer_a, answer="x")
    ticket = ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="regulation")
    ticket = ticket_step(ticket=ticket, action="assign", by=desk_officer_a, agency=agency_a)
    ticket = ticket_step(ticket=ticket, action="answer", by=desk_officer_a, answer="Đã tiếp thu, sẽ sửa đổi.")
    ticket = ticket_step(ticket=ticket, action="publish", by=desk_officer_a)
    ticket = ticket_step(ticket=ticket, action="close", by=desk_officer_a)
    assert ticket.status == TicketStatus.CLOSED
    assert list(ticket.events.values_list("action", flat=True)) == ["receive", "classify", "assign", "answer", "publish", "close"]


def test_an_out_of_scope_ticket_is_closed_without_an_answer_but_a_regulation_one_is_not(commune_a, desk_officer_a):
    ticket = ticket_receive(unit=commune_a, channel="email", sender_name="A", sender_contact="a@example.vn", content="Hỏi giá đất")
    ticket = ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="regulation")
    with pytest.raises(FeedbackError):
        ticket_step(ticket=ticket, action="close", by=desk_officer_a)
    ticket = ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="out_of_scope")
    assert ticket_step(ticket=ticket, action="close", by=desk_officer_a).status == TicketStatus.CLOSED


def test_ticket_figures_count_on_time_late_and_pending(commune_a, desk_officer_a):
    def ticket(at):
        return ticket_receive(unit=commune_a, channel="website", sender_name="X", sender_contact="0912", content="Y", at=at)

    on_time = ticket(vn(2026, 1, 5, 9, 0))
    ticket_step(ticket=on_time, action="classify", by=desk_officer_a, classification="handling")
    ticket_step(ticket=on_time, action="answer", by=desk_officer_a, answer="Đã xử lý", at=vn(2026, 1, 9, 9, 0))
    late = ticket(vn(2026, 1, 5, 10, 0))
    ticket_step(ticket=late, action="classify", by=desk_officer_a, classification="regulation")
    ticket_step(ticket=late, action="answer", by=desk_officer_a, answer="Trả lời muộn", at=vn(2026, 1, 30, 9, 0))
    ticket(vn(2026, 1, 6, 9, 0))   # pending, overdue by 31/01
    ticket(vn(2026, 1, 29, 9, 0))  # pending, within time
    figures = ticket_figures(tickets_in(commune_a, vn(2026, 1, 1), vn(2026, 2, 1)), at=vn(2026, 1, 31, 0, 0))
    assert {k: figures[k] for k in ("received", "handled_on_time", "handled_late", "pending_within_time", "pending_overdue")} == {
        "received": 4, "handled_on_time": 1, "handled_late": 1, "pending_within_time": 1, "pending_overdue": 1}
    assert (figures["handling"], figures["regulation"], figures["unclassified"]) == (1, 1, 2)
    assert figures["on_time_rate"] == Decimal("50.00")
