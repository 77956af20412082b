"""Working-time rules for processing deadlines (motcua.calendar)."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from motcua.calendar import (
    DEFAULT_SESSIONS,
    VN_TZ,
    WorkCalendar,
    add_working_days,
)
from tests.factories import vn

TET_2026 = [date(2026, 2, d) for d in range(16, 21)]
NATIONAL_DAY_2026 = [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)]
OTHER_DAYS_OFF_2026 = [
    date(2026, 1, 1),
    date(2026, 4, 26),
    date(2026, 4, 27),
    date(2026, 4, 30),
    date(2026, 5, 1),
]
MAKEUP_SATURDAY = date(2026, 8, 22)


@pytest.fixture
def cal():
    return WorkCalendar(
        days_off=frozenset(TET_2026 + NATIONAL_DAY_2026 + OTHER_DAYS_OFF_2026),
        makeup_days=frozenset({MAKEUP_SATURDAY}),
    )


# --- working days -----------------------------------------------------------


def test_weekdays_are_working_days_and_weekends_are_not(cal):
    assert cal.is_working_day(date(2026, 3, 9))  # Monday
    assert cal.is_working_day(date(2026, 3, 13))  # Friday
    assert not cal.is_working_day(date(2026, 3, 14))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 15))  # Sunday


def test_a_weekday_holiday_is_not_a_working_day(cal):
    assert date(2026, 1, 1).weekday() == 3  # Thursday
    assert not cal.is_working_day(date(2026, 1, 1))
    assert all(not cal.is_working_day(d) for d in TET_2026)


def test_a_makeup_saturday_is_a_working_day(cal):
    assert MAKEUP_SATURDAY.weekday() == 5
    assert cal.is_working_day(MAKEUP_SATURDAY)
    assert not cal.is_working_day(date(2026, 8, 29))  # an ordinary Saturday


def test_next_working_day_is_strictly_after_and_skips_holidays(cal):
    assert cal.next_working_day(date(2026, 3, 9)) == date(2026, 3, 10)
    assert cal.next_working_day(date(2026, 3, 13)) == date(2026, 3, 16)
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.next_working_day(date(2026, 8, 21)) == MAKEUP_SATURDAY
    assert cal.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_sessions_on_a_working_day_are_aware_local_datetimes(cal):
    assert cal.sessions_on(date(2026, 3, 9)) == [
        (vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 11, 30)),
        (vn(2026, 3, 9, 13, 30), vn(2026, 3, 9, 17, 30)),
    ]
    assert all(s.tzinfo is VN_TZ for pair in cal.sessions_on(date(2026, 3, 9)) for s in pair)


def test_sessions_on_a_sunday_or_holiday_are_empty(cal):
    assert cal.sessions_on(date(2026, 3, 15)) == []
    assert cal.sessions_on(date(2026, 2, 17)) == []


def test_end_of_working_day_is_end_of_the_afternoon_session(cal):
    assert cal.end_of_working_day(date(2026, 3, 9)) == vn(2026, 3, 9, 17, 30)
    assert cal.end_of_working_day(MAKEUP_SATURDAY) == vn(2026, 8, 22, 17, 30)


def test_end_of_working_day_rejects_a_day_off(cal):
    with pytest.raises(ValueError, match="not a working day"):
        cal.end_of_working_day(date(2026, 3, 15))
    with pytest.raises(ValueError, match="not a working day"):
        cal.end_of_working_day(date(2026, 9, 2))


# --- start of counting ------------------------------------------------------


def test_exactly_at_morning_start_is_inside_a_session(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 7, 30)) == vn(2026, 3, 9, 7, 30)


def test_exactly_at_morning_end_is_outside_so_counting_starts_at_1330(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 11, 30)) == vn(2026, 3, 9, 13, 30)


def test_during_lunch_counting_starts_at_1330(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 12, 15)) == vn(2026, 3, 9, 13, 30)


def test_before_office_opens_counting_starts_at_0730(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 5, 0)) == vn(2026, 3, 9, 7, 30)


def test_exactly_at_1730_counting_starts_next_day_at_0730(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 17, 30)) == vn(2026, 3, 10, 7, 30)


def test_received_on_friday_evening_counting_starts_monday(cal):
    assert cal.next_working_moment(vn(2026, 3, 13, 20, 0)) == vn(2026, 3, 16, 7, 30)


def test_inside_a_session_counting_starts_immediately(cal):
    assert cal.next_working_moment(vn(2026, 3, 9, 10, 17, 42)) == vn(2026, 3, 9, 10, 17, 42)


def test_start_of_next_working_day_after_the_friday_cutoff_is_monday_0730(cal):
    assert cal.start_of_next_working_day(vn(2026, 3, 13, 15, 30)) == vn(2026, 3, 16, 7, 30)


def test_start_of_next_working_day_skips_holidays(cal):
    assert cal.start_of_next_working_day(vn(2026, 2, 13, 15, 30)) == vn(2026, 2, 23, 7, 30)
    assert cal.start_of_next_working_day(vn(2026, 8, 28, 15, 30)) == vn(2026, 9, 3, 7, 30)
    assert cal.start_of_next_working_day(vn(2026, 4, 29, 16, 0)) == vn(2026, 5, 4, 7, 30)


def test_start_of_next_working_day_early_morning_is_still_the_next_day(cal):
    assert cal.start_of_next_working_day(vn(2026, 3, 9, 6, 0)) == vn(2026, 3, 10, 7, 30)


# --- adding working time ----------------------------------------------------


def test_dossier_received_friday_1600_with_3_working_days_is_due_wednesday_1600(cal):
    assert cal.add_working_time(vn(2026, 3, 13, 16, 0), days=3) == vn(2026, 3, 18, 16, 0)


def test_dossier_received_at_monday_lunch_with_1_day_is_due_tuesday_1130(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 12, 15), days=1) == vn(2026, 3, 10, 11, 30)


def test_dossier_received_saturday_0900_with_half_a_day_is_due_monday_1130(cal):
    assert cal.add_working_time(vn(2026, 3, 7, 9, 0), days=Decimal("0.5")) == vn(
        2026, 3, 9, 11, 30
    )


def test_time_used_up_at_morning_end_returns_1130_not_1330(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 7, 30), days=0.5) == vn(2026, 3, 9, 11, 30)


def test_time_used_up_at_afternoon_end_returns_1730_not_next_morning(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 7, 30), days=1) == vn(2026, 3, 9, 17, 30)


def test_one_and_a_half_days_from_monday_morning(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 7, 30), days=1.5) == vn(2026, 3, 10, 11, 30)


def test_a_third_of_a_day_is_exactly_2h40(cal):
    due = cal.add_working_time(vn(2026, 3, 9, 7, 30), days=Decimal(1) / Decimal(3))
    assert due == vn(2026, 3, 9, 10, 10)


def test_int_float_and_decimal_days_agree(cal):
    start = vn(2026, 3, 9, 9, 0)
    assert (
        cal.add_working_time(start, days=2)
        == cal.add_working_time(start, days=2.0)
        == cal.add_working_time(start, days=Decimal("2"))
        == vn(2026, 3, 11, 9, 0)
    )


def test_days_and_hours_are_added_together(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 7, 30), days=1, hours=2) == vn(
        2026, 3, 10, 9, 30
    )
    assert cal.add_working_time(vn(2026, 3, 9, 10, 0), hours=2) == vn(2026, 3, 9, 14, 0)


def test_zero_working_time_returns_the_start_of_counting(cal):
    assert cal.add_working_time(vn(2026, 3, 9, 12, 0)) == vn(2026, 3, 9, 13, 30)
    assert cal.add_working_time(vn(2026, 3, 9, 9, 0), days=0) == vn(2026, 3, 9, 9, 0)


def test_negative_working_time_is_rejected(cal):
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_time(vn(2026, 3, 9, 9, 0), days=-1)


def test_span_across_tet_2026(cal):
    # Fri 13 Feb 10:00–17:30 = 5.5h, Tết 16–20 Feb off, Mon 23 = 8h, 2.5h on Tue 24.
    assert cal.add_working_time(vn(2026, 2, 13, 10, 0), days=2) == vn(2026, 2, 24, 10, 0)


def test_makeup_saturday_is_counted(cal):
    # Fri 21 Aug 16:00–17:30 = 1.5h, then 6.5h on make-up Saturday 22 Aug.
    assert cal.add_working_time(vn(2026, 8, 21, 16, 0), days=1) == vn(2026, 8, 22, 16, 0)


def test_national_day_holidays_are_skipped(cal):
    # Fri 28 Aug 16:00 = 1.5h, 31 Aug–2 Sep off, 6.5h on Thu 3 Sep.
    assert cal.add_working_time(vn(2026, 8, 28, 16, 0), days=1) == vn(2026, 9, 3, 16, 0)


def test_reunification_day_weekend_is_skipped(cal):
    # Wed 29 Apr 9:00: 6.5h that day, Thu 30 Apr / Fri 1 May off, 1.5h on Mon 4 May.
    assert cal.add_working_time(vn(2026, 4, 29, 9, 0), days=1) == vn(2026, 5, 4, 9, 0)


def test_sixty_working_days_across_national_day(cal):
    # From Mon 3 Aug 2026 07:30 the 60th working day (counting the make-up
    # Saturday and skipping 31 Aug–2 Sep) is Tue 27 Oct.
    start = vn(2026, 8, 3, 7, 30)
    due = cal.add_working_time(start, days=60)
    assert due.time() == time(17, 30)
    assert cal.working_days_between(start, due) == Decimal("60.00")
    assert due == vn(2026, 10, 27, 17, 30)


def test_add_working_days_shorthand_uses_default_rules():
    assert add_working_days(vn(2026, 3, 13, 16, 0), 3) == vn(2026, 3, 18, 16, 0)
    # Without the holiday list, Tết days count as working days.
    assert add_working_days(vn(2026, 2, 13, 10, 0), 2) == vn(2026, 2, 17, 10, 0)


def test_add_working_days_shorthand_with_a_calendar(cal):
    assert add_working_days(vn(2026, 2, 13, 10, 0), 2, cal) == vn(2026, 2, 24, 10, 0)


# --- time zones -------------------------------------------------------------


def test_naive_datetime_is_rejected(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_time(datetime(2026, 3, 9, 9, 0), days=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.next_working_moment(datetime(2026, 3, 9, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_time_between(vn(2026, 3, 9, 9, 0), datetime(2026, 3, 10, 9, 0))


def test_utc_input_is_converted_to_local_time(cal):
    start = datetime(2026, 2, 13, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hanoi
    assert cal.next_working_moment(start) == vn(2026, 2, 13, 10, 0)
    due = cal.add_working_time(start, days=2)
    assert due == vn(2026, 2, 24, 10, 0)
    assert due.tzinfo is VN_TZ
    assert due.utcoffset() == timedelta(hours=7)


def test_utc_late_evening_is_already_the_next_local_morning(cal):
    start = datetime(2026, 3, 9, 23, 45, tzinfo=timezone.utc)  # Tue 10 Mar 06:45 local
    assert cal.next_working_moment(start) == vn(2026, 3, 10, 7, 30)


# --- working time between two moments ---------------------------------------


def test_working_time_between_across_lunch(cal):
    assert cal.working_time_between(vn(2026, 3, 9, 11, 0), vn(2026, 3, 9, 14, 0)) == timedelta(
        hours=1
    )


def test_working_time_between_across_a_weekend(cal):
    assert cal.working_time_between(
        vn(2026, 3, 13, 16, 0), vn(2026, 3, 16, 9, 0)
    ) == timedelta(hours=3)


def test_working_time_between_across_tet(cal):
    assert cal.working_time_between(
        vn(2026, 2, 13, 10, 0), vn(2026, 2, 24, 10, 0)
    ) == timedelta(hours=16)
    assert cal.working_days_between(vn(2026, 2, 13, 10, 0), vn(2026, 2, 24, 10, 0)) == Decimal(
        "2.00"
    )


def test_working_time_between_is_zero_when_end_is_not_after_start(cal):
    assert cal.working_time_between(vn(2026, 3, 9, 9, 0), vn(2026, 3, 9, 9, 0)) == timedelta(0)
    assert cal.working_time_between(vn(2026, 3, 10, 9, 0), vn(2026, 3, 9, 9, 0)) == timedelta(0)


def test_working_time_between_outside_sessions_is_zero(cal):
    assert cal.working_time_between(
        vn(2026, 3, 13, 17, 30), vn(2026, 3, 16, 7, 30)
    ) == timedelta(0)


def test_working_time_across_a_year(cal):
    # 2026 has 261 weekdays; 12 fixture days off fall on weekdays (26 Apr is a
    # Sunday) and one make-up Saturday is added: 261 - 12 + 1 = 250 days.
    start, end = vn(2026, 1, 1), vn(2027, 1, 1)
    assert cal.working_time_between(start, end) == timedelta(hours=8 * 250)
    assert cal.working_days_between(start, end) == Decimal("250.00")


def test_working_days_between_rounds_to_two_places(cal):
    # 2h40 = 1/3 day
    assert cal.working_days_between(vn(2026, 3, 9, 7, 30), vn(2026, 3, 9, 10, 10)) == Decimal(
        "0.33"
    )


ROUND_TRIP_DAYS = [Decimal("0.25"), Decimal("0.5"), 1, Decimal("2.5"), 7, 15]
ROUND_TRIP_STARTS = [vn(2026, 2, 9) + timedelta(minutes=15 * i) for i in range(7 * 24 * 4)]


@pytest.mark.parametrize("days", ROUND_TRIP_DAYS, ids=str)
def test_working_time_between_undoes_add_working_time(cal, days):
    # The grid covers the week before Tết, so longer durations span the holiday.
    expected = timedelta(hours=8) * float(days)
    for start in ROUND_TRIP_STARTS:
        due = cal.add_working_time(start, days=days)
        assert due > start
        assert cal.working_time_between(start, due) == expected, start
        # The due moment is inside a session or exactly at a session's end.
        assert any(s < due <= e for s, e in cal.sessions_on(due.date())), (start, due)


@pytest.mark.parametrize("hours", [Decimal("0.1"), Decimal("1.75"), 3, Decimal("13.5")])
def test_round_trip_in_hours_from_odd_start_times(cal, hours):
    for start in [vn(2026, 8, 21, 16, 7, 13), vn(2026, 8, 28, 11, 29, 59), vn(2026, 2, 13, 17, 1)]:
        due = cal.add_working_time(start, hours=hours)
        assert cal.working_time_between(start, due) == timedelta(hours=float(hours))


# --- calendar configuration -------------------------------------------------


def test_default_calendar_uses_vietnam_office_hours():
    cal = WorkCalendar()
    assert cal.sessions == DEFAULT_SESSIONS
    assert cal.hours_per_day == Decimal(8)
    assert cal.tz is VN_TZ


def test_custom_sessions_that_do_not_add_up_to_8_hours_are_rejected():
    with pytest.raises(ValueError, match="add up to 7 hours"):
        WorkCalendar(sessions=((time(8, 0), time(12, 0)), (time(13, 0), time(16, 0))))


def test_overlapping_sessions_are_rejected():
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar(sessions=((time(7, 0), time(12, 0)), (time(11, 0), time(14, 0))))


def test_unordered_sessions_are_rejected():
    with pytest.raises(ValueError, match="chronological order"):
        WorkCalendar(sessions=((time(13, 30), time(17, 30)), (time(7, 30), time(11, 30))))
    with pytest.raises(ValueError, match="start before it ends"):
        WorkCalendar(sessions=((time(11, 30), time(7, 30)), (time(13, 30), time(17, 30))))


def test_empty_sessions_are_rejected():
    with pytest.raises(ValueError, match="empty"):
        WorkCalendar(sessions=())


def test_a_day_cannot_be_both_off_and_a_makeup_day():
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(days_off={date(2026, 8, 22)}, makeup_days={date(2026, 8, 22)})


def test_lists_and_sets_are_normalised_to_tuples_and_frozensets():
    cal = WorkCalendar(
        sessions=[[time(7, 30), time(11, 30)], [time(13, 30), time(17, 30)]],
        days_off={date(2026, 1, 1)},
        makeup_days=[date(2026, 8, 22)],
        hours_per_day=8,
    )
    assert cal.sessions == DEFAULT_SESSIONS
    assert cal.days_off == frozenset({date(2026, 1, 1)})
    assert cal.makeup_days == frozenset({date(2026, 8, 22)})
    assert isinstance(cal.hours_per_day, Decimal)
    hash(cal)  # still usable as a dict key / cache key


@pytest.fixture
def three_session_cal():
    return WorkCalendar(
        sessions=(
            (time(7, 0), time(11, 0)),
            (time(13, 0), time(15, 0)),
            (time(15, 30), time(17, 30)),
        ),
    )


def test_three_session_calendar_adds_time_across_the_afternoon_break(three_session_cal):
    cal = three_session_cal
    assert cal.add_working_time(vn(2026, 3, 9, 14, 0), hours=2) == vn(2026, 3, 9, 16, 30)
    assert cal.add_working_time(vn(2026, 3, 9, 7, 0), days=Decimal("0.75")) == vn(
        2026, 3, 9, 15, 0
    )
    assert cal.add_working_time(vn(2026, 3, 9, 7, 0), days=1) == vn(2026, 3, 9, 17, 30)
    assert cal.add_working_time(vn(2026, 3, 13, 16, 0), days=3) == vn(2026, 3, 18, 16, 0)


def test_three_session_calendar_start_rules(three_session_cal):
    cal = three_session_cal
    assert cal.next_working_moment(vn(2026, 3, 9, 15, 0)) == vn(2026, 3, 9, 15, 30)
    assert cal.next_working_moment(vn(2026, 3, 9, 15, 10)) == vn(2026, 3, 9, 15, 30)
    assert cal.end_of_working_day(date(2026, 3, 9)) == vn(2026, 3, 9, 17, 30)
    assert cal.working_time_between(vn(2026, 3, 9, 14, 0), vn(2026, 3, 9, 16, 0)) == timedelta(
        hours=1, minutes=30
    )
