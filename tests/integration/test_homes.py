"""Every role's day on one screen: the home shows each person the work waiting for them now, and every
count on it is the count of the list it links to (the desk board's panels, the processing queue, the
report's checks, the submissions), read in a fixed number of queries.

The interface is translated by the lead after the fact: these tests assert on counts, codes, links and
names, never on English sentences.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.services import Applicant, dossier_pause, dossier_receive, dossier_resolve, dossier_transfer
from motcua.calendar import VN_TZ
from motcua.periods import quarter_containing
from procedures.models import ReviewRound
from reports.homes import last_closed_quarter, next_report
from reports.models import ReportSubmission
from reports.services import report_submit, submission_deadline
from tests.factories import PASSWORD, procedure_make

pytestmark = pytest.mark.django_db

CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, Ngọc Kỳ")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def receive(unit, procedure, by, at):
    return dossier_receive(unit=unit, procedure=procedure, applicant=CITIZEN, by=by, received_at=at)


def earlier_today():
    now = timezone.localtime(timezone.now(), VN_TZ)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + (now - midnight) / 2).replace(second=0, microsecond=0)


@pytest.fixture
def birth(commune_a, commune_b, agency_a, agency_b):
    return procedure_make("1.001193", "Đăng ký khai sinh", days=3, post_at=[commune_a, commune_b])


@pytest.fixture
def day_of_work(commune_a, birth, desk_a, processing_a, leader_a):
    """Commune A's desk today: one dossier received today, one overdue, one resolved waiting for return,
    one paused for supplements, two assigned to the processing officer, one to the leader."""
    now = timezone.now()
    today = receive(commune_a, birth, desk_a, earlier_today())
    overdue = receive(commune_a, birth, desk_a, now - timedelta(days=30))
    waiting = receive(commune_a, birth, desk_a, now - timedelta(days=10))
    dossier_resolve(dossier=waiting, by=desk_a, at=now - timedelta(days=9))
    paused = receive(commune_a, birth, desk_a, now - timedelta(days=2))
    dossier_pause(dossier=paused, by=desk_a, kind="supplement", reason="Thiếu tờ khai", at=now - timedelta(days=1))
    dossier_transfer(dossier=overdue, by=desk_a, officer=processing_a)
    dossier_transfer(dossier=today, by=desk_a, officer=processing_a)
    held_by_leader = receive(commune_a, birth, desk_a, now - timedelta(days=1))
    dossier_transfer(dossier=held_by_leader, by=desk_a, officer=leader_a)
    return {"today": today, "overdue": overdue, "waiting": waiting, "paused": paused, "leader": held_by_leader}


def counts_of(response) -> dict:
    return {item.key: item for item in response.context["home"].desk}


# -- the desk -----------------------------------------------------------------------------------------


def test_the_desk_home_offers_intake_and_counts_the_boards_panels(client, desk_a, day_of_work):
    login(client, desk_a)
    home = client.get(reverse("motcua:home"))
    assert home.status_code == 200
    assert reverse("dossiers:intake") in home.content.decode()
    board = client.get(reverse("dossiers:board"))
    panels = {panel.key.replace("-", "_"): panel for panel in board.context["panels"]}
    counts = counts_of(home)
    assert set(counts) == set(panels) == {"today", "due_soon", "overdue", "to_return", "supplements"}
    for key, item in counts.items():
        assert item.value == panels[key].count, key
        assert item.url == reverse("dossiers:board") + f"#panel-{panels[key].key}"
    assert {d.code for d in panels["supplements"].rows} == {day_of_work["paused"].code}
    assert counts["overdue"].value == 1 and counts["to_return"].value == 1 and counts["supplements"].value == 1


def test_the_desk_home_of_another_commune_counts_nothing_of_commune_a(client, desk_b, day_of_work):
    home = login(client, desk_b).get(reverse("motcua:home"))
    assert all(item.value == 0 for item in counts_of(home).values())
    assert day_of_work["overdue"].code not in home.content.decode()


def test_the_desk_home_reads_a_fixed_number_of_queries(client, desk_a, day_of_work, django_assert_max_num_queries):
    login(client, desk_a)
    client.get(reverse("motcua:home"))  # warm the working calendar's cache
    for _n in range(5):
        receive(day_of_work["today"].receiving_unit, day_of_work["today"].procedure, desk_a, timezone.now() - timedelta(days=40))
    # Session, user and membership (3); the desk's counts in one query; this week's desk duty and focal
    # officer (1, cchc's home block); the holidays (1); the session's idle stamp (3).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("motcua:home")).status_code == 200


# -- the processing officer --------------------------------------------------------------------------


def test_my_dossiers_are_those_assigned_to_me_the_least_time_left_first(client, processing_a, day_of_work):
    home = login(client, processing_a).get(reverse("motcua:home"))
    mine = home.context["home"].mine
    assert [d.code for d in mine["rows"]] == [day_of_work["overdue"].code, day_of_work["today"].code]
    assert mine["rows"][0].state == "overdue"
    assert day_of_work["leader"].code not in home.content.decode()
    assert mine["url"] == reverse("dossiers:queue")
    queue = client.get(reverse("dossiers:queue")).context["rows"]
    assert mine["count"] == sum(1 for d in queue if d.officer_id == processing_a.pk)
    assert home.context["home"].desk == [] and not home.context["home"].can_receive


def test_the_processing_officers_home_reads_a_fixed_number_of_queries(client, processing_a, day_of_work,
                                                                      django_assert_max_num_queries):
    for _n in range(12):  # more than the home shows: the count is a second query
        dossier = receive(day_of_work["today"].receiving_unit, day_of_work["today"].procedure, day_of_work["today"].received_by,
                          timezone.now() - timedelta(days=3))
        dossier_transfer(dossier=dossier, by=dossier.received_by, officer=processing_a)
    login(client, processing_a)
    client.get(reverse("motcua:home"))
    # Session, user and membership (3); his dossiers and their count (2); the holidays (1); the stamp (3).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("motcua:home")).status_code == 200


# -- the focal officer -------------------------------------------------------------------------------


def test_the_focal_officer_sees_the_next_report_its_checks_and_the_open_review(client, focal_a, commune_a, day_of_work):
    ReviewRound.objects.create(unit=commune_a, year=timezone.localdate().year)
    home = login(client, focal_a).get(reverse("motcua:home"))
    report = home.context["home"].report
    period = report["period"]
    assert report["deadline"] == submission_deadline(period)
    assert report["review"].unit == commune_a
    assert reverse("reviews:round-detail", args=[report["review"].pk]) in home.content.decode()
    quality = client.get(reverse("reports:quality"), {"unit": commune_a.code, "period": period.key})
    listed = {row["check"].key: row["count"] for row in quality.context["checks"]}
    for item in report["data_checks"] + report["catalogue_checks"]:
        assert item.value == listed[item.key], item.key
        assert f"period={period.key}" in item.url and f"check={item.key}" in item.url
    assert home.context["home"].mine is None and home.context["home"].watch is None


def test_the_next_report_is_the_closed_quarter_until_its_deadline_then_the_current_one(focal_a, commune_a, leader_a):
    closed = last_closed_quarter(timezone.localdate())
    deadline = submission_deadline(closed)
    assert next_report(commune_a, now=deadline)[:3:2] == (closed, None)
    current = quarter_containing(timezone.localdate())
    after = deadline + timedelta(seconds=1)
    assert next_report(commune_a, now=after) == (current, None, closed)  # the closed one is still owed
    submission = report_submit(unit=commune_a, period=closed, by=leader_a)
    assert next_report(commune_a, now=after) == (current, None, None)
    assert next_report(commune_a, now=deadline)[1] == submission


def test_the_focal_home_shows_whether_the_next_report_is_sent(client, focal_a, leader_a, commune_a):
    login(client, focal_a)
    report = client.get(reverse("motcua:home")).context["home"].report
    assert report["submitted"] is None and report["state"] in ("missing", "late")
    submission = report_submit(unit=commune_a, period=report["period"], by=leader_a, early=True)
    ReportSubmission.objects.filter(pk=submission.pk).update(submitted_at=report["deadline"] - timedelta(days=1))
    report = client.get(reverse("motcua:home")).context["home"].report
    assert report["submitted"].pk == submission.pk and report["state"] == "on_time"


# -- the leader and the district office --------------------------------------------------------------


def test_the_district_office_sees_the_index_late_and_missing_units_and_overdue_without_apology(
    client, district_office, district, commune_a, commune_b, leader_a, day_of_work,
):
    closed = last_closed_quarter(timezone.localdate())
    late = report_submit(unit=commune_a, period=closed, by=leader_a)
    ReportSubmission.objects.filter(pk=late.pk).update(submitted_at=submission_deadline(closed) + timedelta(days=1))
    home = login(client, district_office).get(reverse("motcua:home"))
    watch = home.context["home"].watch
    assert [row.unit for row in watch["late"]] == [commune_a]
    assert [row.unit for row in watch["missing"]] == [commune_b]
    submissions = client.get(reverse("reports:submissions"), {"unit": district.code, "period": closed.key})
    states = {row.unit.pk: row.state for row in submissions.context["rows"]}
    assert states == {commune_a.pk: "late", commune_b.pk: "missing"}
    warnings = client.get(watch["overdue_without_apology"].url)
    assert watch["overdue_without_apology"].value == warnings.context["page"].paginator.count >= 1
    dashboard = client.get(watch["dashboard_url"])
    assert watch["index"].value == dashboard.context["index"].value
    assert home.context["home"].report is None and home.context["home"].desk == []


def test_the_leader_sees_his_units_report_the_index_and_the_dossiers_he_holds(client, leader_a, day_of_work):
    home = login(client, leader_a).get(reverse("motcua:home")).context["home"]
    assert [d.code for d in home.mine["rows"]] == [day_of_work["leader"].code]
    assert home.report is not None and home.watch is not None and not home.watch["has_children"]


def test_the_leaders_home_reads_a_fixed_number_of_queries(client, district_office, district, commune_a, day_of_work,
                                                          django_assert_max_num_queries):
    login(client, district_office)
    client.get(reverse("motcua:home"))
    # The index (reports.dashboard.compute_index, about nine), the submissions (2), the warnings (1),
    # the session, the user, the membership, the holidays and the stamp.
    with django_assert_max_num_queries(18):
        assert client.get(reverse("motcua:home")).status_code == 200


def test_the_focal_officers_home_reads_a_fixed_number_of_queries(client, focal_a, commune_a, day_of_work,
                                                                django_assert_max_num_queries):
    ReviewRound.objects.create(unit=commune_a, year=timezone.localdate().year)
    login(client, focal_a)
    client.get(reverse("motcua:home"))
    # The reports owed (2), the checks (reports.warnings.quality_counts: 3), the open review round (1),
    # the session, the user, the membership, the holidays and the stamp (7).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("motcua:home")).status_code == 200


def test_an_account_without_tasks_still_sees_its_unit_and_the_calendar(client, user_without_unit, administrator):
    assert login(client, administrator).get(reverse("motcua:home")).status_code == 200
