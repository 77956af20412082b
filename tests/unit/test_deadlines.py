"""Due moments and outcomes at every boundary, on the default calendar with Tết 2026 and 22/08/2026."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from motcua.deadlines import (
    EARLY, LATE, ON_TIME, OVERDUE, WITHIN_TIME, base_due, classify_outcome, compute_due, counting_start, due_moment,
    pending_state,
)
from motcua.calendar import WorkCalendar
from tests.factories import vn

CAL = WorkCalendar(
    days_off=frozenset({date(2026, 2, d) for d in range(16, 21)} | {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)}),
    makeup_days=frozenset({date(2026, 8, 22)}),
)
CUTOFF = time(15, 0)


def test_a_dossier_received_on_friday_afternoon_with_3_working_days_is_due_wednesday():
    assert due_moment(vn(2026, 1, 16, 16, 0), Decimal(3), CAL) == vn(2026, 1, 21, 16, 0)


def test_received_at_lunch_counting_starts_at_13_30():
    assert counting_start(vn(2026, 1, 19, 12, 15), CAL) == vn(2026, 1, 19, 13, 30)
    assert due_moment(vn(2026, 1, 19, 12, 15), Decimal(1), CAL) == vn(2026, 1, 20, 11, 30)


def test_received_on_saturday_half_a_day_is_due_monday_at_11_30():
    assert due_moment(vn(2026, 1, 17, 9, 0), Decimal("0.5"), CAL) == vn(2026, 1, 19, 11, 30)


def test_received_before_opening_counts_from_07_30():
    assert counting_start(vn(2026, 1, 19, 6, 45), CAL) == vn(2026, 1, 19, 7, 30)


def test_received_exactly_at_the_end_of_the_day_counts_from_the_next_morning():
    assert counting_start(vn(2026, 1, 16, 17, 30), CAL) == vn(2026, 1, 19, 7, 30)


def test_with_the_cut_off_a_receipt_at_15_00_counts_from_the_next_working_day():
    assert counting_start(vn(2026, 1, 16, 15, 0), CAL, cutoff=CUTOFF) == vn(2026, 1, 19, 7, 30)
    assert counting_start(vn(2026, 1, 16, 14, 59), CAL, cutoff=CUTOFF) == vn(2026, 1, 16, 14, 59)


def test_same_day_procedures_are_due_at_the_end_of_the_day_counting_starts_in():
    assert due_moment(vn(2026, 1, 19, 9, 0), Decimal(0), CAL) == vn(2026, 1, 19, 17, 30)
    # after the cut-off: the next working day's end
    assert due_moment(vn(2026, 1, 19, 15, 30), Decimal(0), CAL, cutoff=CUTOFF) == vn(2026, 1, 20, 17, 30)
    # without the cut-off, a receipt at 16:00 is still due the same day
    assert due_moment(vn(2026, 1, 19, 16, 0), Decimal(0), CAL) == vn(2026, 1, 19, 17, 30)


def test_a_span_across_tet_2026_skips_the_five_days_off():
    assert due_moment(vn(2026, 2, 13, 10, 0), Decimal(2), CAL) == vn(2026, 2, 24, 10, 0)


def test_the_make_up_saturday_counts_and_national_day_does_not():
    assert due_moment(vn(2026, 8, 21, 16, 0), Decimal(1), CAL) == vn(2026, 8, 22, 16, 0)
    assert due_moment(vn(2026, 8, 28, 16, 0), Decimal(1), CAL) == vn(2026, 9, 3, 16, 0)


def test_a_pause_moves_the_due_moment_by_the_paused_working_time():
    received = vn(2026, 1, 19, 8, 0)  # Monday, 3 days → Thursday 08:00
    assert due_moment(received, Decimal(3), CAL) == vn(2026, 1, 22, 8, 0)
    pause = (vn(2026, 1, 20, 9, 0), vn(2026, 1, 21, 9, 0))  # one working day paused
    assert due_moment(received, Decimal(3), CAL, pauses=[pause]) == vn(2026, 1, 23, 8, 0)


def test_a_pause_over_a_weekend_counts_only_its_working_time():
    received = vn(2026, 1, 19, 8, 0)
    pause = (vn(2026, 1, 23, 17, 0), vn(2026, 1, 26, 8, 0))  # Fri 17:00 → Mon 08:00 = 1 working hour
    assert due_moment(received, Decimal(5), CAL, pauses=[pause]) == vn(2026, 1, 26, 9, 0)


def test_an_open_pause_runs_until_now():
    received = vn(2026, 1, 19, 8, 0)
    pause = (vn(2026, 1, 19, 9, 0), None)
    assert due_moment(received, Decimal(1), CAL, pauses=[pause], now=vn(2026, 1, 19, 11, 0)) == vn(2026, 1, 20, 10, 0)


def test_a_pause_before_counting_starts_moves_nothing():
    received = vn(2026, 1, 19, 16, 0)
    pause = (vn(2026, 1, 19, 16, 0), vn(2026, 1, 19, 16, 30))
    assert due_moment(received, Decimal(1), CAL, cutoff=CUTOFF, pauses=[pause]) == vn(2026, 1, 20, 17, 30)


@pytest.mark.parametrize(
    "resolved, expected",
    [
        (vn(2026, 1, 20, 16, 0), EARLY),        # the day before the due day
        (vn(2026, 1, 21, 8, 0), ON_TIME),       # the due day, before the due moment
        (vn(2026, 1, 21, 16, 0), ON_TIME),      # exactly at the due moment
        (vn(2026, 1, 21, 16, 1), LATE),         # one minute after
        (vn(2026, 1, 22, 9, 0), LATE),
    ],
)
def test_outcome_against_a_due_moment_of_wednesday_16_00(resolved, expected):
    assert classify_outcome(resolved, vn(2026, 1, 21, 16, 0), CAL) == expected


def test_early_is_judged_on_the_vietnam_calendar_day_not_utc():
    due = vn(2026, 1, 21, 7, 45)
    assert classify_outcome(vn(2026, 1, 21, 0, 30), due, CAL) == ON_TIME
    in_utc = datetime(2026, 1, 20, 17, 30, tzinfo=timezone.utc)  # 00:30 on the 21st in Hà Nội
    assert classify_outcome(in_utc, due, CAL) == ON_TIME
    assert classify_outcome(vn(2026, 1, 20, 23, 59), due, CAL) == EARLY


def test_a_pending_dossier_is_within_time_until_its_due_moment_passes():
    due = vn(2026, 1, 21, 16, 0)
    assert pending_state(due, due) == WITHIN_TIME
    assert pending_state(due, due + timedelta(seconds=1)) == OVERDUE


def test_base_due_of_zero_days_is_the_end_of_the_start_day():
    assert base_due(vn(2026, 8, 22, 8, 0), Decimal(0), CAL) == vn(2026, 8, 22, 17, 30)


def test_compute_due_is_what_intake_and_the_calendar_page_show_for_a_0_day_procedure():
    # received 16/01/2026 08:00, 0 days: counting starts at 08:00, due at 17:30 the same day (not 08:00)
    assert compute_due(received_at=vn(2026, 1, 16, 8, 0), processing_days=Decimal(0), cutoff=None, calendar=CAL) == (
        vn(2026, 1, 16, 8, 0), vn(2026, 1, 16, 17, 30))
    # the same with the cut-off: a receipt at 15:00 starts, and is due, the next working day
    assert compute_due(received_at=vn(2026, 1, 16, 15, 0), processing_days=Decimal(0), cutoff=CUTOFF, calendar=CAL) == (
        vn(2026, 1, 19, 7, 30), vn(2026, 1, 19, 17, 30))
