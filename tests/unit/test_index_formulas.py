"""The service-quality index's formulas (Quyết định 766/QĐ-TTg) as pure functions on hand numbers:
the caps, the "full at" thresholds and the "no data" rule (never a zero, never invented)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from motcua.calendar import VN_TZ, WorkCalendar
from reports.dashboard import (
    Group,
    Indicator,
    dossier_satisfaction_points,
    fraction,
    online_service_points,
    payment_points,
    points,
    progress_points,
    start_of_last_working_days,
    ticket_points,
    total,
    working_days_after,
)

D = Decimal


def test_a_fraction_is_exact_and_none_when_there_is_nothing_to_divide():
    assert fraction(1, 3) == D(1) / D(3)
    assert fraction(0, 5) == 0
    assert fraction(0, 0) is None and fraction(3, 0) is None


def test_points_scale_the_maximum_by_the_share_and_cap_it():
    assert points(6, D("0.5")) == D("3.00")
    assert points(6, D(1)) == D("6.00")
    assert points(2, D("0.4"), full_at="0.8") == D("1.00")  # min(2, 2·0,4/0,8) = 1
    assert points(2, D("0.9"), full_at="0.8") == D("2.00")  # capped
    assert points(6, D(2) / D(3)) == D("4.00")
    assert points(4, D(1) / D(3)) == D("1.33")  # rounded half up to hundredths
    assert points(6, None) is None  # no data stays no data


def test_progress_is_twenty_times_early_on_time_and_within_time_over_all_handled():
    # 7 early, 2 on time, 1 late resolved; 3 pending of which 2 within time: (7 + 2 + 2) / (10 + 3) × 20
    assert progress_points(early=7, on_time=2, within_time=2, resolved=10, pending=3) == D("16.92")
    assert progress_points(early=4, on_time=0, within_time=0, resolved=4, pending=0) == D("20.00")
    assert progress_points(early=0, on_time=0, within_time=0, resolved=0, pending=0) is None


def test_online_service_caps_a_at_eighty_and_c_at_fifty_per_cent():
    assert online_service_points(D("0.4"), D("0.5"), D("0.25")) == (D("1.00"), D("2.00"), D("3.00"))
    assert online_service_points(D("0.8"), D(1), D("0.5")) == (D("2.00"), D("4.00"), D("6.00"))
    assert online_service_points(D(1), D(1), D("0.9")) == (D("2.00"), D("4.00"), D("6.00"))
    # no online procedure: B cannot be measured; A and C still are
    assert online_service_points(D(0), None, D("0.1")) == (D("0.00"), None, D("1.20"))


def test_online_payment_is_six_a_plus_two_and_a_half_b_capped_at_two_plus_two_and_a_half_c():
    assert payment_points(D("0.5"), D("0.4"), D("0.4")) == (D("3.00"), D("1.00"), D("1.00"))
    assert payment_points(D("0.45"), D("0.9"), D("0.9")) == (D("2.70"), D("2.00"), D("2.25"))
    # the three can add up to 10,5: the group keeps 10
    best = payment_points(D(1), D(1), D(1))
    assert best == (D("6.00"), D("2.00"), D("2.50"))
    assert total(best, cap=10) == D(10)


def test_satisfaction_with_dossier_handling_is_full_at_ninety_per_cent():
    assert dossier_satisfaction_points(dossiers=10, dissatisfied=1) == D("6.00")  # 90 % → full
    assert dossier_satisfaction_points(dossiers=10, dissatisfied=4) == D("4.00")  # 60 % / 90 % × 6
    assert dossier_satisfaction_points(dossiers=0, dissatisfied=0) is None


def test_tickets_handled_on_time_score_full_when_there_was_none():
    assert ticket_points(on_time=0, due=0) == D("6.00")
    assert ticket_points(on_time=1, due=2) == D("3.00")
    assert ticket_points(on_time=0, due=3) == D("0.00")


def test_a_group_adds_only_what_it_could_measure_and_says_on_how_many_points():
    measured = Indicator(key="a", name="A", formula="", maximum=D(6), value=D("4.50"))
    unmeasured = Indicator(key="b", name="B", formula="", maximum=D(2), value=None)
    other = Indicator(key="c", name="C", formula="", maximum=D(4), value=D("1.25"))
    group = Group(key="g", name="G", maximum=D(12), indicators=[measured, unmeasured, other])
    assert group.value == D("5.75")
    assert group.measured_maximum == D(10)
    assert not group.fully_measured
    nothing = Group(key="n", name="N", maximum=D(2), indicators=[unmeasured])
    assert nothing.value is None and nothing.measured_maximum == 0
    assert total([None, None]) is None


def test_a_group_over_its_maximum_is_capped():
    parts = [Indicator(key=k, name=k, formula="", maximum=m, value=m) for k, m in (("a", D(6)), ("b", D(2)), ("c", D("2.5")))]
    group = Group(key="pay", name="Thanh toán trực tuyến", maximum=D(10), indicators=parts)
    assert group.value == D(10) and group.measured_maximum == D(10)


def test_posting_deadline_is_five_working_days_after_the_reference_day():
    calendar = WorkCalendar(days_off=frozenset({date(2023, 1, 2)}))
    # Friday 30/12/2022 + 5 working days, Monday 02/01/2023 off: 3, 4, 5, 6, 9 January
    assert working_days_after(calendar, date(2022, 12, 30), 5) == date(2023, 1, 9)


def test_the_last_ten_working_days_start_on_the_right_morning():
    calendar = WorkCalendar()
    # Friday 17/03/2023 at 10:00: the ten working days are 06/03 … 17/03
    start = start_of_last_working_days(calendar, datetime(2023, 3, 17, 10, tzinfo=VN_TZ), 10)
    assert start == datetime(2023, 3, 6, tzinfo=VN_TZ)
    # a Sunday counts back from Friday
    assert start_of_last_working_days(calendar, datetime(2023, 3, 19, 10, tzinfo=VN_TZ), 1) == datetime(2023, 3, 17, tzinfo=VN_TZ)


@pytest.mark.parametrize("share, expected", [(D(0), D("0.00")), (D("0.25"), D("3.00")), (D("0.5"), D("6.00")), (D("0.75"), D("6.00"))])
def test_online_dossiers_reach_full_points_at_half(share, expected):
    assert online_service_points(None, None, share)[2] == expected
