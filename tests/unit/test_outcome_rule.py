"""The two practices for "trước hạn" (OUTCOME_RULE): a same-day certification finished before the day's
appointment is on time under ``day`` and early under ``moment``."""
import pytest

from motcua.calendar import WorkCalendar
from motcua.deadlines import DAY, EARLY, LATE, MOMENT, ON_TIME, classify_outcome
from tests.factories import vn

CAL = WorkCalendar()
APPOINTMENT = vn(2022, 6, 8, 17, 30)  # a certification received that morning, due at the end of the day


@pytest.mark.parametrize(
    "resolved, by_day, by_moment",
    [
        (vn(2022, 6, 8, 10, 15), ON_TIME, EARLY),      # finished before the day's appointment
        (vn(2022, 6, 8, 17, 30), ON_TIME, ON_TIME),    # exactly at the appointment
        (vn(2022, 6, 8, 17, 30, 40), LATE, ON_TIME),   # within its minute: only the moment rule counts minutes
        (vn(2022, 6, 8, 17, 31), LATE, LATE),          # a minute after
        (vn(2022, 6, 7, 16, 0), EARLY, EARLY),         # a day before
    ],
)
def test_a_same_day_certification_under_each_rule(resolved, by_day, by_moment):
    assert classify_outcome(resolved, APPOINTMENT, CAL, DAY) == by_day
    assert classify_outcome(resolved, APPOINTMENT, CAL, MOMENT) == by_moment


def test_the_install_rule_is_read_when_none_is_given(settings):
    settings.OUTCOME_RULE = MOMENT
    assert classify_outcome(vn(2022, 6, 8, 10, 15), APPOINTMENT, CAL) == EARLY
    settings.OUTCOME_RULE = DAY
    assert classify_outcome(vn(2022, 6, 8, 10, 15), APPOINTMENT, CAL) == ON_TIME


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        classify_outcome(vn(2022, 6, 8, 10, 15), APPOINTMENT, CAL, "week")
