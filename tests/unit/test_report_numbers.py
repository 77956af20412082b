"""Vietnamese wording of numbers, percentages, dates and periods in the documents (pure)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from reports.numbers import period_label, period_range, roman, vn_date, vn_decimal, vn_int, vn_long_date, vn_percent
from motcua.periods import parse_period


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (1639, "1.639"), (138187, "138.187"), (2000000, "2.000.000"),
     (-1639, "-1.639"), (None, "—")],
)
def test_whole_numbers_use_a_dot_for_thousands(value, text):
    assert vn_int(value) == text


def test_the_ngoc_ky_online_rate_reads_as_in_the_seed():
    assert vn_percent(Decimal("71.02")) == "71,02 %"


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("100"), "100,00 %"), (Decimal("0"), "0,00 %"), (Decimal("27.675"), "27,68 %"), (55, "55,00 %"),
     (Decimal("1234.5"), "1.234,50 %")],
)
def test_percentages_keep_two_decimals_with_a_decimal_comma(value, text):
    assert vn_percent(value) == text


def test_a_rate_with_nothing_to_divide_is_a_dash_not_zero():
    assert vn_percent(None) == "—"
    assert vn_decimal(None) == "—"


def test_decimals_round_half_up_and_group_thousands():
    assert vn_decimal(Decimal("1234.5")) == "1.234,50"
    assert vn_decimal(Decimal("0.005")) == "0,01"
    assert vn_decimal(Decimal("1234.5"), places=0) == "1.235"
    assert vn_decimal(2.5, places=1) == "2,5"
    assert vn_decimal(Decimal("-0.001")) == "0,00"


def test_dates_are_day_month_year():
    assert vn_date(date(2022, 12, 14)) == "14/12/2022"
    assert vn_date(date(2023, 3, 5)) == "05/03/2023"
    assert vn_date(None) == "—"


def test_a_moment_is_dated_in_vietnam_time():
    # 20:00 UTC on 14 December is 03:00 on 15 December in Hà Nội.
    assert vn_date(datetime(2022, 12, 14, 20, 0, tzinfo=timezone.utc)) == "15/12/2022"


def test_the_long_date_of_the_place_and_date_line():
    assert vn_long_date(date(2022, 12, 14)) == "ngày 14 tháng 12 năm 2022"


def test_the_long_date_pads_small_days_and_the_first_two_months_as_the_decree_says():
    assert vn_long_date(date(2023, 1, 5)) == "ngày 05 tháng 01 năm 2023"
    assert vn_long_date(date(2023, 2, 17)) == "ngày 17 tháng 02 năm 2023"
    assert vn_long_date(date(2023, 3, 9)) == "ngày 09 tháng 3 năm 2023"


def test_roman_numerals_of_quarters_and_sections():
    assert [roman(n) for n in (1, 2, 3, 4, 9, 14, 40)] == ["I", "II", "III", "IV", "IX", "XIV", "XL"]
    with pytest.raises(ValueError):
        roman(0)


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2022", "năm 2022"),
        ("2023-Q1", "quý I năm 2023"),
        ("2022-Q2", "quý II năm 2022"),
        ("2022-Q3", "quý III năm 2022"),
        ("2022-Q4", "quý IV năm 2022"),
        ("2022-H1", "6 tháng đầu năm 2022"),
        ("2022-H2", "6 tháng cuối năm 2022"),
        ("2022-M9", "9 tháng năm 2022"),
        ("cal:2022", "năm 2022"),
        ("cal:2022-Q3", "quý III năm 2022"),
        ("cal:2022-03", "tháng 3 năm 2022"),
        ("2022-12-15..2023-05-29", "từ ngày 15/12/2022 đến ngày 29/05/2023"),
    ],
)
def test_period_labels_as_official_documents_write_them(key, label):
    assert period_label(parse_period(key)) == label


def test_the_first_quarter_belongs_to_the_year_it_ends_in():
    # 2023-Q1 runs from 15/12/2022: the label names 2023, the range names both years.
    period = parse_period("2023-Q1")
    assert period_label(period) == "quý I năm 2023"
    assert period_range(period) == "từ ngày 15/12/2022 đến ngày 14/03/2023"
