"""Reporting windows: 15th to 14th, both ends inclusive, in Vietnam time; calendar periods too."""
from datetime import date, datetime, timezone

import pytest

from motcua.periods import VN_TZ, PeriodError, day_bounds, local_day, parse_period, quarter_containing


@pytest.mark.parametrize(
    "key, first, last",
    [
        ("2022", date(2021, 12, 15), date(2022, 12, 14)),
        ("2022-Q1", date(2021, 12, 15), date(2022, 3, 14)),
        ("2022-Q2", date(2022, 3, 15), date(2022, 6, 14)),
        ("2022-Q3", date(2022, 6, 15), date(2022, 9, 14)),
        ("2022-Q4", date(2022, 9, 15), date(2022, 12, 14)),
        ("2022-H1", date(2021, 12, 15), date(2022, 6, 14)),
        ("2022-H2", date(2022, 6, 15), date(2022, 12, 14)),
        ("2022-M9", date(2021, 12, 15), date(2022, 9, 14)),
        ("2022-12-15..2023-05-29", date(2022, 12, 15), date(2023, 5, 29)),
        ("cal:2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("cal:2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("cal:2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
    ],
)
def test_every_period_kind(key, first, last):
    period = parse_period(key)
    assert (period.first_day, period.last_day) == (first, last)


def test_both_ends_are_inclusive_in_vietnam_time():
    q1 = parse_period("2023-Q1")
    assert datetime(2022, 12, 15, 0, 0, tzinfo=VN_TZ) in q1
    assert datetime(2023, 3, 14, 23, 59, 59, tzinfo=VN_TZ) in q1
    assert datetime(2023, 3, 15, 0, 0, tzinfo=VN_TZ) not in q1
    # 14/03 20:00 UTC is already 15/03 03:00 in Hà Nội: outside Q1
    assert datetime(2023, 3, 14, 20, 0, tzinfo=timezone.utc) not in q1
    assert datetime(2022, 12, 14, 17, 30, tzinfo=timezone.utc) in q1  # 15/12 00:30 in Hà Nội


def test_the_quarter_of_a_day_crosses_the_year_at_the_15th_of_december():
    assert quarter_containing(date(2022, 12, 14)).key == "2022-Q4"
    assert quarter_containing(date(2022, 12, 15)).key == "2023-Q1"
    assert quarter_containing(date(2023, 3, 14)).key == "2023-Q1"
    assert quarter_containing(date(2023, 3, 15)).key == "2023-Q2"


@pytest.mark.parametrize("key", ["2022-Q5", "2022-13", "2023-05-29..2022-12-15", "năm 2022", "1899"])
def test_nonsense_periods_are_refused(key):
    with pytest.raises(PeriodError):
        parse_period(key)


def test_the_reporting_quarter_of_a_day_runs_from_the_15th_to_the_14th():
    assert quarter_containing(date(2026, 1, 10)).days == (date(2025, 12, 15), date(2026, 3, 14))
    assert quarter_containing(date(2026, 3, 14)).days == (date(2025, 12, 15), date(2026, 3, 14))
    assert quarter_containing(date(2026, 3, 15)).days == (date(2026, 3, 15), date(2026, 6, 14))
    assert quarter_containing(date(2026, 9, 14)).days == (date(2026, 6, 15), date(2026, 9, 14))
    assert quarter_containing(date(2026, 11, 22)).days == (date(2026, 9, 15), date(2026, 12, 14))
    assert quarter_containing(date(2026, 12, 15)).days == (date(2026, 12, 15), date(2027, 3, 14))


def test_day_bounds_hold_whole_days_in_vietnam_time():
    assert day_bounds(date(2026, 1, 16)) == (datetime(2026, 1, 16, tzinfo=VN_TZ), datetime(2026, 1, 17, tzinfo=VN_TZ))
    start, end = day_bounds(date(2026, 1, 1), date(2026, 1, 31))
    assert (start, end) == (datetime(2026, 1, 1, tzinfo=VN_TZ), datetime(2026, 2, 1, tzinfo=VN_TZ))
    # 23:30 UTC on the 15th is already the 16th in Vietnam
    assert local_day(datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc)) == date(2026, 1, 16)
    assert parse_period("2023-Q1").start == day_bounds(date(2022, 12, 15))[0]


def test_there_is_one_vietnam_time_zone():
    from motcua import calendar, periods

    assert periods.VN_TZ is calendar.VN_TZ
