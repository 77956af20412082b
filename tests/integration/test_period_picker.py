"""Periods are picked, not typed: a kind and a year (and the quarter, half or month, or two days), built
into the same window as the machine syntax that links, bookmarks and the command line keep using
(``?period=2023-Q1``). Titles name the period as officers say it: 'Quý I năm 2023 (15/12/2022 – 14/03/2023)'.
"""
from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from motcua.periods import parse_period
from reports.forms import PeriodForm
from reports.numbers import period_title
from tests.integration.test_report_screens import media, quarter  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("2026-Q4", "Quý IV năm 2026 (15/09/2026 – 14/12/2026)"),
        ("2023-Q1", "Quý I năm 2023 (15/12/2022 – 14/03/2023)"),
        ("2022", "Năm 2022 (15/12/2021 – 14/12/2022)"),
        ("2022-H1", "6 tháng đầu năm 2022 (15/12/2021 – 14/06/2022)"),
        ("2022-M9", "9 tháng năm 2022 (15/12/2021 – 14/09/2022)"),
        ("cal:2022-03", "Tháng 3 năm 2022 (01/03/2022 – 31/03/2022)"),
        ("2022-12-15..2023-05-29", "Từ ngày 15/12/2022 đến ngày 29/05/2023"),
    ],
)
def test_titles_name_the_period_in_vietnamese_with_its_days(key, title):
    assert period_title(parse_period(key)) == title


@pytest.mark.parametrize(
    ("picked", "key"),
    [
        ({"kind": "quarter", "year": "2026", "quarter": "4"}, "2026-Q4"),
        ({"kind": "half", "year": "2022", "half": "2"}, "2022-H2"),
        ({"kind": "nine_months", "year": "2022"}, "2022-M9"),
        ({"kind": "year", "year": "2022"}, "2022"),
        ({"kind": "month", "year": "2022", "month": "3"}, "cal:2022-03"),
        ({"kind": "range", "year": "2026", "first": "15/12/2022", "last": "29/05/2023"}, "2022-12-15..2023-05-29"),
    ],
)
def test_each_kind_picked_builds_the_period_of_the_machine_syntax(picked, key):
    form = PeriodForm(picked, today=TODAY)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == parse_period(key)


def test_a_quarter_picked_shows_the_same_window_and_figures_as_the_old_link(client, district_officer, quarter):  # noqa: F811
    client.force_login(district_officer)
    picked = client.get(reverse("reports:index"), {"unit": "298", "kind": "quarter", "year": "2023", "quarter": "1"})
    linked = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q1"})
    assert picked.status_code == linked.status_code == 200
    assert picked.context["period"] == linked.context["period"] == parse_period("2023-Q1")
    assert picked.context["report"]["totals"] == linked.context["report"]["totals"]
    assert picked.context["report"]["totals"]["received"]["total"] > 0
    for response in (picked, linked):
        page = response.content.decode()
        assert "Quý I năm 2023 (15/12/2022 – 14/03/2023)" in page
        assert 'name="period"' not in page.split('class="filters card period-picker"')[1].split("</form>")[0]
    # The old link's period is shown picked in the form.
    form = linked.context["period_form"]
    assert (form.initial["kind"], form.initial["year"], form.initial["quarter"]) == ("quarter", 2023, 1)


def test_the_dashboard_and_the_submissions_take_the_picked_period(client, district_officer, quarter):  # noqa: F811
    client.force_login(district_officer)
    picked = {"unit": "298", "kind": "quarter", "year": "2023", "quarter": "1"}
    for name in ("reports:dashboard", "reports:submissions", "reports:quality"):
        response = client.get(reverse(name), picked)
        assert response.status_code == 200, name
        assert response.context["period"] == parse_period("2023-Q1"), name
    compare = client.get(reverse("reports:dashboard"), {**picked, "compare": "1"})
    assert compare.context["period"] == parse_period("2023-Q1")
    assert 'name="compare" value="1"' in compare.content.decode()


def test_a_reversed_range_keeps_what_was_typed_and_says_why(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("reports:index"), {"unit": "298", "kind": "range", "year": "2023",
                                                     "first": "29/05/2023", "last": "15/12/2022"})
    assert response.status_code == 200
    assert response.context["period_error"]
    form = response.context["period_form"]
    assert [e.code for e in form.non_field_errors().as_data()] == ["range_reversed"]
    page = response.content.decode()
    assert 'value="29/05/2023"' in page and 'value="15/12/2022"' in page
    assert "29/05/2023" in response.context["period_error"] and "15/12/2022" in response.context["period_error"]
    assert response.context["period"].kind == "quarter"  # the current quarter is shown meanwhile


def test_a_range_with_a_day_that_is_not_a_date_keeps_it_and_names_the_field(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("reports:index"), {"unit": "298", "kind": "range", "year": "2023",
                                                     "first": "31/02/2023", "last": ""})
    form = response.context["period_form"]
    assert "first" in form.errors
    assert 'value="31/02/2023"' in response.content.decode()
    assert str(form.fields["first"].label) in response.context["period_error"]


def test_an_old_link_with_a_bad_period_is_refused_and_the_current_quarter_shown(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q7"})
    assert response.status_code == 200 and "2023-Q7" in response.context["period_error"]
    assert response.context["period"].kind == "quarter"
