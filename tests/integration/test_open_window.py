"""A report of a window that has not ended is counted as of now, everywhere it is shown (issue 16).

On Friday 04/12/2026 at 10:00 the fourth quarter (15/09–14/12/2026) is still running: a dossier taken in
this morning and due 10/12 is pending within time, not overdue; only those whose due moment has passed
by 10:00 are overdue, exactly as the desk's board counts them. A closed window is counted as before.
"""
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.models import Dossier, Pause
from dossiers.selectors import desk_counts
from motcua.periods import parse_period
from reports.dashboard import gather
from reports.figures import compute_figures, conditions, counted, dossiers_behind
from reports.formatters import pdf_context, to_xlsx
from reports.models import ReportSubmission
from reports.numbers import as_of_line
from reports.report import build_report, report_as_dict
from reports.services import EarlySubmission, report_submit
from tests.factories import birth_registration_make, make_dossier, vn

pytestmark = pytest.mark.django_db

Q4 = parse_period("2026-Q4")  # 15/09/2026 – 14/12/2026
FRIDAY_10 = vn(2026, 12, 4, 10, 0)


@pytest.fixture
def ngoc_ky_q4(commune_a):
    """Ten dossiers pending on the morning of 04/12: three past due, seven not yet."""
    birth = birth_registration_make()
    made = []
    for day in (20, 24, 27):  # due in November: overdue now
        made.append(make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 11, day - 3, 8),
                                 due_at=vn(2026, 11, day, 17, 30)))
    for day in range(2, 8):  # received this week, due from 07/12 on
        made.append(make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 12, min(day, 4), 8),
                                 due_at=vn(2026, 12, day + 5, 17, 30)))
    made.append(make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 12, 4, 8, 5),
                             due_at=vn(2026, 12, 10, 8, 5)))  # taken in this morning, due 10/12
    # resolved yesterday; and one resolved after 10:00 today (still pending as of 10:00)
    made.append(make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 11, 30, 8), due_at=vn(2026, 12, 3, 8),
                             resolved_at=vn(2026, 12, 3, 7), outcome="on_time", status="returned"))
    return made


def test_an_open_window_is_counted_as_of_now_not_against_its_last_day(commune_a, ngoc_ky_q4):
    as_of = counted(Q4, FRIDAY_10)
    assert as_of.as_of == FRIDAY_10 and as_of.end == FRIDAY_10
    totals = compute_figures(commune_a, as_of).totals
    assert totals["pending"] == {"total": 10, "within_time": 7, "overdue": 3}
    assert totals["resolved"]["total"] == 1
    # The same dossiers the desk's board calls overdue at that moment, and the same list behind the figure.
    overdue = set(dossiers_behind(commune_a, as_of, "overdue").values_list("code", flat=True))
    assert overdue == {d.code for d in ngoc_ky_q4[:3]}
    # Judged against the end of the window's last day (14/12), all ten would be overdue: the old mistake.
    assert Dossier.objects.filter(conditions(Q4.start, Q4.closes_at)["overdue"]).count() == 10


def test_the_open_window_agrees_with_the_desk_board(commune_a, desk_a, ngoc_ky_q4):
    board = desk_counts(desk_a, now=FRIDAY_10)
    figures = compute_figures(commune_a, counted(Q4, FRIDAY_10)).totals
    assert board["overdue"] == figures["pending"]["overdue"] == 3


def test_a_paused_dossier_is_not_overdue_while_its_pause_runs(commune_a, ngoc_ky_q4):
    dossier = ngoc_ky_q4[0]  # due 20/11
    dossier.status = "paused"
    dossier.save(update_fields=["status"])
    Pause.objects.create(dossier=dossier, kind="supplement", started_at=vn(2026, 11, 19, 9), reason="Thiếu tờ khai")
    totals = compute_figures(commune_a, counted(Q4, FRIDAY_10)).totals
    assert totals["pending"]["overdue"] == 2


def test_a_closed_window_is_counted_whole_whatever_the_moment(commune_a, ngoc_ky_q4):
    q3 = parse_period("2026-Q3")
    assert counted(q3, FRIDAY_10) is q3 and q3.as_of is None
    assert as_of_line(q3) == ""


def test_every_format_of_an_open_window_says_when_it_was_counted(commune_a, ngoc_ky_q4):
    data = build_report(commune_a, Q4, now=FRIDAY_10)
    line = "Số liệu tính đến 10:00 ngày 04/12/2026"
    assert as_of_line(data.period) == line
    assert report_as_dict(data)["period"]["as_of"].startswith("2026-12-04T")
    context = pdf_context(data)
    assert context["as_of"] == line and "số liệu tính đến 10:00 ngày 04/12/2026" in context["intro"]
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Biểu 06"]
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert any(line in text for text in texts)


def test_the_dashboard_counts_the_open_window_as_the_report_does(commune_a, ngoc_ky_q4):
    figures, facts = gather(commune_a, Q4, now=FRIDAY_10)
    assert figures.period.as_of == FRIDAY_10
    assert facts["pending"]["overdue"] == 3


def test_the_report_page_of_the_running_quarter_says_as_of_when(client, leader_a, commune_a, ngoc_ky_q4):
    client.force_login(leader_a)
    from motcua.periods import quarter_containing
    from django.utils import timezone

    current = quarter_containing(timezone.localdate())
    page = client.get(reverse("reports:index"), {"unit": commune_a.code, "period": current.key}).content.decode()
    assert 'data-testid="as-of"' in page and "Số liệu tính đến" in page
    closed = client.get(reverse("reports:index"), {"unit": commune_a.code, "period": "2026-Q1"}).content.decode()
    assert 'data-testid="as-of"' not in closed


def test_submitting_before_the_window_ends_needs_a_confirmation_and_is_marked_early(
        client, leader_a, commune_a, district_office, ngoc_ky_q4):
    from motcua.periods import quarter_containing
    from django.utils import timezone

    current = quarter_containing(timezone.localdate())
    with pytest.raises(EarlySubmission):
        report_submit(unit=commune_a, period=current, by=leader_a)
    assert not ReportSubmission.objects.exists()

    client.force_login(leader_a)
    typed = {"unit": commune_a.code, "period": current.key, "assessment": "Đánh giá của xã, gõ tay"}
    refused = client.post(reverse("reports:submit"), typed)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Đánh giá của xã, gõ tay" in page and 'data-testid="early-confirmation"' in page
    assert not ReportSubmission.objects.exists()

    sent = client.post(reverse("reports:submit"), {**typed, "early": "on"})
    assert sent.status_code == 302
    submission = ReportSubmission.objects.get()
    assert submission.early and submission.as_of is not None
    assert submission.figures["period"]["as_of"] is not None
    assert submission.period.as_of == submission.as_of

    client.force_login(district_office)
    listing = client.get(reverse("reports:submissions"), {"unit": commune_a.parent.code, "period": current.key})
    assert 'data-testid="sent-early"' in listing.content.decode()
    detail = client.get(reverse("reports:submission", args=[submission.pk])).content.decode()
    assert 'data-testid="sent-early"' in detail and "Số liệu tính đến" in detail


def test_a_closed_window_is_submitted_without_the_confirmation(commune_a, leader_a):
    submission = report_submit(unit=commune_a, period="2026-Q1", by=leader_a)
    assert not submission.early and submission.period.as_of is None
    assert submission.period.end - submission.period.start > timedelta(days=80)
