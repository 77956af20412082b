"""Where two copies of a rule disagreed (issue 13), the one rule that now holds everywhere.

- a processing step belongs to the dossier's handling unit; the receiving desk keeps intake, transfer
  and the return to the citizen;
- "overdue" is one definition: a pause that began after the due moment does not make a late dossier
  timely (the board, the warnings, the digest and the report agree);
- feedback ticket codes come from the same daily counter as dossier codes;
- a report run is marked sent in the transaction that enqueues it, and the requeue sends only what
  was never sent (or was sent long ago and is still waiting).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import selectors
from dossiers.models import DailyCounter, Dossier, FeedbackTicket, Status
from dossiers.services import Applicant, dossier_pause, dossier_receive
from dossiers.tickets.services import ticket_receive
from motcua.permissions import can
from reports import warnings
from reports.figures import conditions
from tests.factories import PASSWORD, vn

pytestmark = pytest.mark.django_db

CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


# -- a. a processing step belongs to the handling unit ----------------------------------------------


@pytest.fixture
def handled_by_district(commune_a, agency_a, district, birth_registration, desk_a):
    """Received at commune A's desk, handled by the district (liên thông)."""
    return dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a,
                           handling_unit=district)


@pytest.mark.parametrize("action", ["start", "pause", "resolve", "return_unresolved"])
def test_a_commune_officer_takes_no_processing_step_on_a_dossier_the_district_handles(
        client, handled_by_district, processing_a, action):
    _login(client, processing_a)
    data = {f"{action}-reason": "Lý do", f"{action}-kind": "supplement"}
    response = client.post(reverse("dossiers:action", kwargs={"code": handled_by_district.code, "action": action}), data)
    assert response.status_code == 403
    handled_by_district.refresh_from_db()
    assert handled_by_district.status == Status.RECEIVED
    assert list(handled_by_district.events.values_list("action", flat=True)) == ["receive"]


def test_the_district_processes_and_the_commune_desk_returns(client, handled_by_district, district_processing, desk_a,
                                                              processing_a):
    page = _login(client, processing_a) or client.get(reverse("dossiers:detail", kwargs={"code": handled_by_district.code}))
    assert page.status_code == 200
    assert b'action="%s"' % reverse("dossiers:action", kwargs={"code": handled_by_district.code, "action": "start"}).encode() \
        not in page.content
    client.logout()
    _login(client, district_processing)
    for action in ("start", "resolve"):
        url = reverse("dossiers:action", kwargs={"code": handled_by_district.code, "action": action})
        assert client.post(url, {}).status_code == 302
    handled_by_district.refresh_from_db()
    assert handled_by_district.status == Status.RESOLVED
    # Returning to the citizen is the receiving desk's, not the handling unit's.
    assert not can(district_processing, "dossier.return", handled_by_district)
    assert can(desk_a, "dossier.return", handled_by_district)
    client.logout()
    _login(client, desk_a)
    url = reverse("dossiers:action", kwargs={"code": handled_by_district.code, "action": "return"})
    assert client.post(url, {"return-channel": "desk"}).status_code == 302
    handled_by_district.refresh_from_db()
    assert handled_by_district.status == Status.RETURNED


# -- b. one definition of overdue ----------------------------------------------------------------------


def test_a_pause_begun_after_the_due_moment_leaves_the_dossier_overdue_everywhere(
        commune_a, agency_a, birth_registration, desk_a):
    late = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a,
                           received_at=vn(2026, 1, 16, 8, 0))
    timely = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a,
                             received_at=vn(2026, 1, 16, 8, 0))
    assert late.due_at < vn(2026, 1, 26, 9, 0)
    dossier_pause(dossier=late, by=desk_a, kind="supplement", reason="Thiếu giấy", at=vn(2026, 1, 26, 9, 0))
    dossier_pause(dossier=timely, by=desk_a, kind="supplement", reason="Thiếu giấy", at=vn(2026, 1, 19, 9, 0))
    now = timezone.now()

    expected = {late.pk}
    report = set(Dossier.objects.filter(conditions(now - timedelta(days=400), now)["overdue"]).values_list("pk", flat=True))
    assert report == expected
    assert set(Dossier.objects.overdue(now).values_list("pk", flat=True)) == expected
    panel = next(p for p in selectors.board_panels(desk_a, now=now) if p.key == "overdue")
    assert {d.pk for d in panel.rows} == expected and panel.count == 1
    assert set(warnings.overdue_without_apology(commune_a, now=now).values_list("pk", flat=True)) == expected
    assert warnings.warning_counts(commune_a, now=now)["overdue_without_apology"] == 1


# -- c. ticket codes from the daily counter ---------------------------------------------------------------


def _ticket(unit, at):
    return ticket_receive(unit=unit, channel="letter", sender_name="Trần Văn Bình", sender_contact="0912000111",
                          content="Thủ tục khai sinh yêu cầu giấy tờ không có trong danh mục.", at=at)


def test_ticket_codes_come_from_the_daily_counter_and_are_never_reused(commune_a, agency_a, birth_registration, desk_a):
    at = vn(2026, 1, 16, 9, 0)
    first, second = _ticket(commune_a, at), _ticket(commune_a, at)
    assert (first.code, second.code) == ("PAKN-11089-260116-001", "PAKN-11089-260116-002")
    # A dossier of the same unit and day has its own sequence.
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a, received_at=at)
    assert dossier.code.endswith("-260116-0001")
    first.delete()  # COUNT + 1 would hand out 002 a second time
    third = _ticket(commune_a, at)
    assert third.code == "PAKN-11089-260116-003"
    assert FeedbackTicket.objects.filter(code__endswith="-260116-002").count() == 1
    assert DailyCounter.objects.get(unit=commune_a, day=at.date(), kind="ticket").last == 3


# -- d. a report run is marked sent when it is enqueued -------------------------------------------------


def test_the_requeue_sends_only_runs_never_sent_or_sent_long_ago(commune_a, monkeypatch, django_capture_on_commit_callbacks):
    from reports import services, tasks
    from reports.models import ReportRun

    sent = []
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(unit=commune_a, period="2026-Q1", fmt="json")
    assert sent == [run.pk]
    run.refresh_from_db()
    assert run.sent_at is not None
    # Sent and still queued (no worker yet): the requeue leaves it alone.
    assert services.report_requeue_waiting(older_than=timedelta(0)) == 0
    assert sent == [run.pk]
    # The broker was down when another run was requested: it is never marked sent, and the requeue sends it once.
    def down(run_id):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.generate_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = services.report_request(unit=commune_a, period="2026-Q1", fmt="xlsx")
    waiting.refresh_from_db()
    assert waiting.sent_at is None
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    assert services.report_requeue_waiting(older_than=timedelta(0)) == 1
    assert services.report_requeue_waiting(older_than=timedelta(0)) == 0
    assert sent == [run.pk, waiting.pk]
    # A message lost after it was sent (the run still queued long after): sent again.
    ReportRun.objects.filter(pk=run.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    assert services.report_requeue_waiting(older_than=timedelta(0)) == 1
    assert sent == [run.pk, waiting.pk, run.pk]
