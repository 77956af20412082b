"""One percentage: half up, two decimals, Decimal, None with nothing to divide (motcua.numbers)."""
import re
from decimal import Decimal
from pathlib import Path

import pytest

from motcua.numbers import percent, round_half_up
from reports.numbers import vn_percent

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("part, whole, expected", [
    (2, 3, Decimal("66.67")),
    (1, 8, Decimal("12.50")),
    (1, 32, Decimal("3.13")),  # 3,125: half up (half even and a float round give 3,12)
    (1, 3, Decimal("33.33")),
    (5, 5, Decimal("100.00")),
    (0, 7, Decimal("0.00")),
    (Decimal("0.125"), 1, Decimal("12.50")),  # a share of the index
])
def test_a_percentage_is_rounded_half_up_to_two_decimals(part, whole, expected):
    value = percent(part, whole)
    assert value == expected and isinstance(value, Decimal)
    assert str(value) == str(expected)  # two decimals kept


def test_nothing_to_divide_is_no_percentage():
    assert percent(0, 0) is None and percent(3, 0) is None


def test_the_documents_write_the_same_figure_with_a_decimal_comma():
    assert vn_percent(percent(2, 3)) == "66,67 %"
    assert vn_percent(percent(1, 8)) == "12,50 %"
    assert vn_percent(percent(1, 32)) == "3,13 %"


def test_round_half_up_reads_a_float_as_written():
    assert round_half_up(2.675) == Decimal("2.68")
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")


APPS = ("motcua", "procedures", "dossiers", "reports")


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/bench/" in relative:
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_no_other_module_rounds_a_percentage():
    """Every rate goes through motcua.numbers.percent: nobody else multiplies by 100 and rounds."""
    offenders = [
        relative for relative, text in _sources()
        if relative != "motcua/numbers.py"
        and (re.search(r"\b100\s*\*|\*\s*100\b", text) or "ROUND_HALF_EVEN" in text or "ROUND_HALF_UP" in text
             and relative != "motcua/calendar.py")
    ]
    assert offenders == []
