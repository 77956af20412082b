"""The demo year of dossiers: loaded once (a second seed adds nothing), with every situation a screen or a
report must show, unique codes and daily counters that let intake continue the sequence."""
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from dossiers.demo import DEMO_NOTE, demo_seed
from dossiers.models import Apology, Channel, DailyCounter, Dossier, DossierEvent, Outcome, Pause, Status
from dossiers.services import Applicant, dossier_receive
from motcua.models import AdministrativeUnit
from procedures.models import Procedure

CODE = re.compile(r"^(?P<identifier>.+)-(?P<day>\d{6})-(?P<number>\d{4})$")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo twice in a transaction rolled back after the module's tests."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("seed_demo")
            first = {"dossiers": Dossier.objects.count(), "events": DossierEvent.objects.count(),
                     "pauses": Pause.objects.count(), "apologies": Apology.objects.count()}
            call_command("seed_demo")
            yield first
            transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):
    return demo


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    assert seeded["dossiers"] == Dossier.objects.count()
    assert seeded["events"] == DossierEvent.objects.count()
    assert (seeded["pauses"], seeded["apologies"]) == (Pause.objects.count(), Apology.objects.count())
    assert demo_seed()["dossiers"] == 0


def test_a_year_of_thousands_of_dossiers_at_the_district_and_its_communes(seeded):
    total = Dossier.objects.count()
    assert 5_000 <= total <= 15_000
    assert Dossier.objects.exclude(notes=DEMO_NOTE).exclude(status=Status.REFUSED).count() == 0
    per_unit = dict(Dossier.objects.values_list("receiving_unit__code").annotate(n=Count("id")))
    assert 1_400 <= per_unit["11089"] <= 1_800 and 2_700 <= per_unit["298"] <= 3_300
    assert len(per_unit) == 24  # the district and its 23 communes
    now = timezone.now()
    newest = Dossier.objects.aggregate(newest=Max("received_at"))["newest"]
    assert now - newest < timedelta(days=4) and not Dossier.objects.filter(received_at__gt=now).exists()
    assert not Dossier.objects.filter(received_at__lt=now - timedelta(days=366)).exists()
    channels = Counter(Dossier.objects.values_list("channel", flat=True))
    assert 0.65 <= channels[Channel.ONLINE] / total <= 0.75 and channels[Channel.POSTAL] > 0


def test_every_situation_a_report_shows_is_there(seeded):
    now = timezone.now()
    outcomes = Counter(Dossier.objects.exclude(outcome="").values_list("outcome", flat=True))
    resolved = sum(outcomes.values())
    assert outcomes[Outcome.EARLY] > outcomes[Outcome.ON_TIME] > outcomes[Outcome.LATE] > 0
    assert outcomes[Outcome.LATE] / resolved < 0.03
    assert Dossier.objects.overdue(now).exists()
    assert Dossier.objects.pending().filter(due_at__gte=now).exists()
    assert Dossier.objects.filter(status=Status.PAUSED, pauses__ended_at__isnull=True).exists()
    assert Pause.objects.filter(ended_at__isnull=False).exists()
    assert Apology.objects.filter(new_due_at__gt=F("dossier__due_at")).count() == Apology.objects.count() > 0
    assert Dossier.objects.filter(status=Status.RETURNED).count() > resolved * 0.9
    assert Dossier.objects.filter(status__in=[Status.WITHDRAWN, Status.RETURNED_UNRESOLVED]).exists()
    assert Dossier.objects.exclude(handling_unit=F("receiving_unit")).exists()  # inter-connected ones


def test_the_recorded_steps_match_each_dossier(seeded):
    late = Dossier.objects.filter(outcome=Outcome.LATE, status=Status.RETURNED).first()
    steps = list(late.events.values_list("action", flat=True))
    assert steps[0] == "receive" and steps[-2:] == ["resolve", "return"]
    assert {"transfer", "start"} <= set(steps)
    assert late.events.get(action="resolve").at == late.resolved_at
    ngoc_ky = Dossier.objects.filter(receiving_unit__code="11089", handling_unit=F("receiving_unit"), status=Status.RETURNED,
                                     pauses__isnull=True, apology__isnull=True).first()
    assert list(ngoc_ky.events.values_list("by__username", flat=True).order_by("at")) == [
        "ngocky.motcua", "ngocky.motcua", "ngocky.chuyenmon", "ngocky.chuyenmon", "ngocky.motcua"]
    # No step after now, none before the receipt, and events in order.
    now = timezone.now()
    assert not DossierEvent.objects.filter(at__gt=now).exists()
    assert not DossierEvent.objects.filter(at__lt=F("dossier__received_at")).exists()


def test_applicants_have_valid_cccd_and_phones(seeded):
    sample = Dossier.objects.values_list("applicant_name", "applicant_id_number", "applicant_phone")[:500]
    for name, id_number, phone in sample:
        assert len(name.split()) >= 3
        assert re.fullmatch(r"030[0-3]\d{8}", id_number)
        assert re.fullmatch(r"0\d{9}", phone)


def test_codes_are_unique_and_the_daily_counters_continue_the_sequence(seeded):
    codes = list(Dossier.objects.values_list("code", "receiving_unit_id"))
    assert len({code for code, _ in codes}) == len(codes)
    highest = {}
    for code, unit_id in codes:
        match = CODE.match(code)
        assert match, code
        key = (unit_id, match["day"])
        highest[key] = max(highest.get(key, 0), int(match["number"]))
    counters = {(c.unit_id, c.day.strftime("%y%m%d")): c.last for c in DailyCounter.objects.all()}
    assert counters == highest
    # Intake later the same day takes the next number.
    unit_id, day = max(highest, key=lambda key: key[1])
    unit = AdministrativeUnit.objects.get(pk=unit_id)
    last = Dossier.objects.filter(receiving_unit=unit, code__contains=f"-{day}-").order_by("-code").first()
    procedure = Procedure.objects.filter(postings__unit=unit).first()
    taken_in = dossier_receive(unit=unit, procedure=procedure, applicant=Applicant(name="Trần Văn Bình"), by=None,
                               received_at=last.received_at)
    assert taken_in.code.endswith(f"-{day}-{highest[(unit_id, day)] + 1:04d}")


def test_the_dossiers_of_a_procedure_with_an_internal_process_have_its_stages(seeded):
    """Land registration at the district follows its four stages; each ended stage is judged by the same
    function as a real one, and the report's table by stage holder counts them."""
    from dossiers.models import DossierStage
    from motcua import deadlines
    from motcua.selectors import work_calendar

    land = Dossier.objects.filter(procedure__code="1.012753")
    assert land.exists() and not land.filter(stages__isnull=True).exists()
    assert set(land.values_list("stages__position", flat=True)) == {0, 1, 2, 3}
    calendar = work_calendar()
    for stage in DossierStage.objects.filter(ended_at__isnull=False).order_by("?")[:200]:
        assert stage.outcome == deadlines.classify_outcome(stage.ended_at, stage.due_at, calendar), stage
    assert not Dossier.objects.filter(procedure__stages=[]).filter(stages__isnull=False).exists()
    held = DossierStage.objects.filter(started_at__isnull=False, ended_at__isnull=True)
    assert held.exists() and not held.exclude(dossier__stage_holder=F("holder")).exists()  # as the permissions read it
