"""The time a citizen reads on the lookup: working days and hours left before the due moment, or past it."""
from datetime import date
from decimal import Decimal

from motcua.calendar import WorkCalendar
from motcua.deadlines import TimeLeft, due_moment, time_left
from tests.factories import vn

CAL = WorkCalendar(
    days_off=frozenset({date(2026, 2, d) for d in range(16, 21)} | {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)}),
    makeup_days=frozenset({date(2026, 8, 22)}),
)


def test_one_working_day_and_three_hours_left_on_a_tuesday_morning():
    # Due Wednesday 21/01 at 10:30; on Tuesday 20/01 at 07:30: 4 h of Tuesday morning, 4 h of its
    # afternoon, then 07:30–10:30 on Wednesday = 11 h = 1 day 3 hours.
    assert time_left(vn(2026, 1, 21, 10, 30), vn(2026, 1, 20, 7, 30), CAL) == TimeLeft(False, 1, 3)


def test_the_lunch_break_and_the_night_do_not_count():
    # 11:00 → 14:00 the same day: 30 minutes before lunch, 30 minutes after.
    assert time_left(vn(2026, 1, 20, 14, 0), vn(2026, 1, 20, 11, 0), CAL) == TimeLeft(False, 0, 1)
    # Friday 16:30 → Monday 08:30: one hour on Friday and one on Monday, none over the weekend.
    assert time_left(vn(2026, 1, 19, 8, 30), vn(2026, 1, 16, 16, 30), CAL) == TimeLeft(False, 0, 2)


def test_less_than_an_hour_left_reads_as_zero_hours_not_yet_overdue():
    assert time_left(vn(2026, 1, 20, 10, 0), vn(2026, 1, 20, 9, 15), CAL) == TimeLeft(False, 0, 0)


def test_two_working_days_past_the_due_moment_across_a_weekend():
    # Due Thursday 15/01 at 16:00; on Monday 19/01 at 16:00: Friday and Monday are two working days.
    assert time_left(vn(2026, 1, 15, 16, 0), vn(2026, 1, 19, 16, 0), CAL) == TimeLeft(True, 2, 0)


def test_tet_does_not_count_against_the_office():
    # Due Friday 13/02/2026 at 17:30; Tết runs 16–20/02; on Monday 23/02 at 11:30 it is half a day late.
    assert time_left(vn(2026, 2, 13, 17, 30), vn(2026, 2, 23, 11, 30), CAL) == TimeLeft(True, 0, 4)


def test_overdue_as_soon_as_the_due_moment_passes_even_outside_working_hours():
    assert time_left(vn(2026, 1, 16, 17, 30), vn(2026, 1, 17, 9, 0), CAL) == TimeLeft(True, 0, 0)
    assert time_left(vn(2026, 1, 16, 17, 30), vn(2026, 1, 16, 17, 30), CAL) == TimeLeft(False, 0, 0)


def test_the_count_runs_on_the_same_working_time_as_the_due_moment():
    received = vn(2026, 8, 21, 8, 0)
    due = due_moment(received, Decimal(3), CAL)  # the make-up Saturday 22/08 counts
    assert time_left(due, received, CAL) == TimeLeft(False, 3, 0)


def test_a_shorter_working_day_counts_its_own_hours():
    short = WorkCalendar(sessions=(("07:30", "11:30"), ("13:30", "17:00")), hours_per_day=Decimal("7.5"))
    # Tuesday 07:30 → Wednesday 11:30: 7.5 h + 4 h = 1 day 4 hours.
    assert time_left(vn(2026, 1, 21, 11, 30), vn(2026, 1, 20, 7, 30), short) == TimeLeft(False, 1, 4)


# -- the words of the countdown (dossiers.public.views.countdown_text) -----------------------------------------


def _words(left: TimeLeft) -> str:
    from django.utils import translation

    from dossiers.public.views import countdown_text

    with translation.override(None):  # the English source, untranslated
        return countdown_text(left)


def test_the_countdown_counts_days_and_hours_in_the_singular_and_the_plural():
    assert _words(TimeLeft(False, 1, 3)) == "1 day 3 hours of working time left"
    assert _words(TimeLeft(False, 2, 1)) == "2 days 1 hour of working time left"
    assert _words(TimeLeft(False, 1, 0)) == "1 day of working time left"
    assert _words(TimeLeft(False, 0, 1)) == "1 hour of working time left"
    assert _words(TimeLeft(False, 0, 0)) == "Less than one working hour left"


def test_an_overdue_countdown_says_by_how_much():
    assert _words(TimeLeft(True, 2, 0)) == "Overdue by 2 days of working time"
    assert _words(TimeLeft(True, 1, 1)) == "Overdue by 1 day 1 hour of working time"
    assert _words(TimeLeft(True, 0, 5)) == "Overdue by 5 hours of working time"
    assert _words(TimeLeft(True, 0, 0)) == "Overdue"


def test_the_countdown_words_each_count_with_ngettext(monkeypatch):
    """A language with other plural forms gets them from the catalogue: every count goes through ngettext."""
    from dossiers.public import views

    asked = []

    def ngettext(singular, plural, number):
        asked.append((singular, plural, number))
        return (singular if number == 1 else plural)

    monkeypatch.setattr(views, "ngettext", ngettext)
    _words(TimeLeft(False, 3, 2))
    assert asked == [("%(count)s day", "%(count)s days", 3), ("%(count)s hour", "%(count)s hours", 2)]
