"""Changing OUTCOME_RULE: ``recompute_outcomes`` judges every closed dossier again, all or none, and the
reports state the rule they were counted under."""
from io import StringIO

import pytest
from django.core.management import call_command

from dossiers.models import Dossier
from motcua.periods import parse_period
from reports.figures import compute_figures
from reports.formatters import pdf_context
from reports.report import build_report, report_as_dict
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def certifications(commune_a):
    copy = procedure_make("2.000908", "Cấp bản sao từ sổ gốc", field=("CT", "Chứng thực"), days=0)
    made = [
        # received in the morning, finished before the day's appointment (17:30)
        make_dossier(procedure=copy, unit=commune_a, received_at=vn(2022, 6, day, 8), due_at=vn(2022, 6, day, 17, 30),
                     resolved_at=vn(2022, 6, day, 10), outcome="on_time", status="returned")
        for day in (6, 7, 8)
    ]
    made.append(make_dossier(procedure=copy, unit=commune_a, received_at=vn(2022, 6, 9, 8), due_at=vn(2022, 6, 9, 17, 30),
                             resolved_at=vn(2022, 6, 9, 17, 30), outcome="on_time", status="returned"))
    made.append(make_dossier(procedure=copy, unit=commune_a, received_at=vn(2022, 6, 10, 8), due_at=vn(2022, 6, 10, 17, 30),
                             resolved_at=vn(2022, 6, 13, 9), outcome="late", status="returned"))
    return made


def test_recompute_outcomes_follows_the_new_rule_and_says_how_many_changed(settings, commune_a, certifications):
    settings.OUTCOME_RULE = "moment"
    out = StringIO()
    call_command("recompute_outcomes", stdout=out)
    assert "5 hồ sơ đã giải quyết, 3 hồ sơ thay đổi" in out.getvalue()
    assert sorted(Dossier.objects.values_list("outcome", flat=True)) == ["early", "early", "early", "late", "on_time"]
    totals = compute_figures(commune_a, parse_period("2022")).totals
    assert (totals["resolved"]["early"], totals["resolved"]["on_time"], totals["resolved"]["late"]) == (3, 1, 1)

    out = StringIO()
    call_command("recompute_outcomes", "--rule", "day", stdout=out)  # and back: nothing lost
    assert "3 hồ sơ thay đổi" in out.getvalue()
    assert sorted(Dossier.objects.values_list("outcome", flat=True)) == ["late", "on_time", "on_time", "on_time", "on_time"]


def test_recompute_outcomes_writes_nothing_when_it_fails(settings, commune_a, certifications, monkeypatch):
    from dossiers import services

    real_update = services.Dossier.objects.bulk_update

    def broken_update(rows, fields, **kwargs):
        real_update(rows[:1], fields)  # the first row written, then the disk fills up
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.Dossier.objects, "bulk_update", broken_update)
    with pytest.raises(RuntimeError):
        call_command("recompute_outcomes", "--rule", "moment", stdout=StringIO())
    assert sorted(Dossier.objects.values_list("outcome", flat=True)) == ["late", "on_time", "on_time", "on_time", "on_time"]


@pytest.mark.parametrize("rule, words", [("day", "trước ngày hẹn trả"), ("moment", "tính đến phút")])
def test_every_report_states_the_rule_it_was_counted_under(settings, commune_a, certifications, rule, words):
    settings.OUTCOME_RULE = rule
    data = build_report(commune_a, parse_period("2022"))
    assert report_as_dict(data)["outcome_rule"] == rule
    assert words in pdf_context(data)["outcome_rule_note"]


def test_the_report_page_states_the_rule(client, settings, leader_a, commune_a, certifications):
    from django.urls import reverse

    client.force_login(leader_a)
    settings.OUTCOME_RULE = "moment"
    page = client.get(reverse("reports:index"), {"unit": commune_a.code, "period": "2022"}).content.decode()
    assert 'data-testid="outcome-rule"' in page and "tính đến phút" in page
