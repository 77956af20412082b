"""The dossier from intake to return: codes, terms snapshot, every allowed and refused step, events."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from dossiers.models import Apology, DailyCounter, Dossier, DossierEvent, Outcome, Status
from dossiers.numbering import NumberingError
from dossiers.services import (
    STEPS, Applicant, TransitionError, allowed_actions, dossier_apologise, dossier_hand_on, dossier_pause, dossier_receive,
    dossier_refuse, dossier_resolve, dossier_resume, dossier_return, dossier_start, dossier_stop, dossier_transfer,
)
from procedures.services import procedure_save
from tests.factories import UnitFactory, vn

pytestmark = pytest.mark.django_db

CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, Ngọc Kỳ")


@pytest.fixture
def desk(agency_a, desk_officer_a):
    return desk_officer_a


def receive(unit, procedure, by, at=None, **kwargs):
    return dossier_receive(unit=unit, procedure=procedure, applicant=CITIZEN, by=by, received_at=at, **kwargs)


def test_intake_gives_a_code_a_due_moment_and_a_first_event(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 16, 0))
    assert dossier.code == "000.01.12.H23-260116-0001"
    assert dossier.due_at == vn(2026, 1, 21, 16, 0)
    assert (dossier.processing_days, dossier.fee_total, dossier.procedure_version) == (3, 8000, 1)
    event = dossier.events.get()
    assert (event.action, event.to_status, event.by, event.unit) == ("receive", Status.RECEIVED, desk, commune_a)


def test_codes_run_per_unit_and_per_day(commune_a, commune_b, agency_b, birth_registration, desk):
    codes = [receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 9, m)).code for m in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    assert receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 9, 0)).code.endswith("260119-0001")
    assert receive(commune_b, birth_registration, desk, at=vn(2026, 1, 16, 9, 0)).code == "000.02.12.H23-260116-0001"


def test_a_unit_without_an_identifier_cannot_take_in(commune_a, birth_registration, desk_officer_a):
    with pytest.raises(NumberingError):
        receive(commune_a, birth_registration, desk_officer_a)
    assert Dossier.objects.count() == 0


def test_the_dossier_keeps_the_terms_in_force_when_it_was_received(commune_a, birth_registration, desk):
    first = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 9, 0))
    birth_registration.processing_days = Decimal(1)
    procedure_save(procedure=birth_registration, fees=[], at=vn(2026, 1, 17, 0, 0))
    second = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 9, 0))
    first.refresh_from_db()
    assert (first.processing_days, first.fee_total, first.procedure_version) == (3, 8000, 1)
    assert (second.processing_days, second.fee_total, second.procedure_version) == (1, 0, 2)


def test_the_whole_journey_records_every_step_with_who_and_when(commune_a, birth_registration, desk, processing_a):
    officer = processing_a
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 8, 0))
    dossier = dossier_transfer(dossier=dossier, by=desk, officer=officer, at=vn(2026, 1, 19, 8, 30))
    dossier = dossier_start(dossier=dossier, by=officer, at=vn(2026, 1, 19, 9, 0))
    dossier_pause(dossier=dossier, by=officer, kind="supplement", reason="Thiếu giấy chứng sinh", at=vn(2026, 1, 20, 9, 0))
    dossier = dossier_resume(dossier=dossier, by=officer, at=vn(2026, 1, 21, 9, 0))
    assert dossier.due_at == vn(2026, 1, 23, 8, 0)  # 3 days from Mon 08:00 + one working day paused
    dossier = dossier_resolve(dossier=dossier, by=officer, at=vn(2026, 1, 22, 15, 0), result_digitised=True)
    assert dossier.outcome == Outcome.EARLY
    dossier = dossier_return(dossier=dossier, by=desk, at=vn(2026, 1, 22, 16, 0))
    assert dossier.status == Status.RETURNED and dossier.returned_at == vn(2026, 1, 22, 16, 0)
    steps = list(dossier.events.values_list("action", "by__username"))
    assert steps == [("receive", "desk.a"), ("transfer", "desk.a"), ("start", "cm.a"), ("pause", "cm.a"),
                     ("resume", "cm.a"), ("resolve", "cm.a"), ("return", "desk.a")]


def test_resolved_after_the_due_moment_is_late(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 16, 0))
    dossier = dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 21, 16, 1))
    assert dossier.outcome == Outcome.LATE


def test_resolved_on_the_due_day_is_on_time(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 16, 0))
    assert dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 21, 8, 0)).outcome == Outcome.ON_TIME


@pytest.mark.parametrize("action", sorted(STEPS))
def test_every_step_is_refused_from_a_returned_dossier(action, commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 8, 0))
    dossier = dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 19, 9, 0))
    dossier = dossier_return(dossier=dossier, by=desk, at=vn(2026, 1, 19, 10, 0))
    assert allowed_actions(dossier) == []
    calls = {
        "transfer": lambda: dossier_transfer(dossier=dossier, by=desk),
        "start": lambda: dossier_start(dossier=dossier, by=desk),
        "hand_on": lambda: dossier_hand_on(dossier=dossier, by=desk),
        "pause": lambda: dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="x"),
        "resume": lambda: dossier_resume(dossier=dossier, by=desk),
        "resolve": lambda: dossier_resolve(dossier=dossier, by=desk),
        "return": lambda: dossier_return(dossier=dossier, by=desk),
        "return_unresolved": lambda: dossier_stop(dossier=dossier, by=desk, action="return_unresolved", reason="x"),
        "withdraw": lambda: dossier_stop(dossier=dossier, by=desk, action="withdraw", reason="x"),
        "apologise": lambda: dossier_apologise(dossier=dossier, by=desk, reason="x", new_due_at=timezone.now() + timedelta(days=9)),
    }
    events = DossierEvent.objects.count()
    with pytest.raises(TransitionError):
        calls[action]()
    assert DossierEvent.objects.count() == events
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_the_allowed_steps_follow_the_table(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk)
    # Comfortably on time: no apology is offered (it comes from one working day before the appointment).
    assert allowed_actions(dossier) == ["transfer", "start", "pause", "resolve", "return_unresolved", "withdraw"]
    dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu tờ khai")
    dossier.refresh_from_db()
    assert allowed_actions(dossier) == ["resume", "return_unresolved", "withdraw"]
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() + timedelta(hours=2))
    dossier.refresh_from_db()
    assert allowed_actions(dossier) == ["resume", "return_unresolved", "withdraw", "apologise"]
    with pytest.raises(TransitionError):
        dossier_resolve(dossier=dossier, by=desk)


def test_a_result_cannot_be_returned_before_it_is_resolved(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk)
    with pytest.raises(TransitionError):
        dossier_return(dossier=dossier, by=desk)


def test_a_withdrawal_counts_as_resolved_and_is_classified_by_time(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 16, 16, 0))
    dossier = dossier_stop(dossier=dossier, by=desk, action="withdraw", reason="Công dân rút hồ sơ", at=vn(2026, 1, 19, 9, 0))
    assert (dossier.status, dossier.outcome, dossier.resolved_at) == (Status.WITHDRAWN, Outcome.EARLY, vn(2026, 1, 19, 9, 0))


def test_a_refusal_is_recorded_but_not_received(commune_a, birth_registration, desk):
    dossier = dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk, reason="Không thuộc thẩm quyền")
    assert dossier.status == Status.REFUSED
    assert Dossier.objects.exclude(status=Status.REFUSED).count() == 0
    with pytest.raises(TransitionError):
        dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk, reason="  ")


def test_one_apology_with_a_new_appointment_and_the_outcome_still_judged_on_the_old_one(commune_a, birth_registration, desk):
    received = timezone.now() - timedelta(days=20)
    dossier = receive(commune_a, birth_registration, desk, at=received)
    new_due = timezone.now() + timedelta(days=2)
    dossier_apologise(dossier=dossier, by=desk, reason="Chờ xác minh của Công an", new_due_at=new_due)
    with pytest.raises(TransitionError):
        dossier_apologise(dossier=dossier, by=desk, reason="lần hai", new_due_at=new_due + timedelta(days=1))
    dossier = dossier_resolve(dossier=dossier, by=desk)
    assert dossier.outcome == Outcome.LATE
    assert Apology.objects.get(dossier=dossier).new_due_at == new_due


def test_an_interconnected_dossier_goes_up_to_the_district_and_back(commune_a, district, birth_registration, desk):
    district_office = UnitFactory(code="DUMMY", level="commune", parent=district)  # another unit to show isolation
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 8, 0))
    dossier = dossier_transfer(dossier=dossier, by=desk, to_unit=district, note="Liên thông lên huyện", at=vn(2026, 1, 19, 9, 0))
    assert dossier.is_interconnected and dossier.handling_unit == district
    assert Dossier.objects.for_unit(commune_a).filter(pk=dossier.pk).exists()
    assert Dossier.objects.for_unit(district).filter(pk=dossier.pk).exists()
    assert not Dossier.objects.for_unit(district_office).exists()
    dossier = dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 20, 9, 0))
    dossier = dossier_return(dossier=dossier, by=desk, at=vn(2026, 1, 20, 10, 0))
    assert dossier.events.get(action="return").unit == commune_a


def test_a_time_in_the_future_or_before_receipt_is_refused(commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, at=vn(2026, 1, 19, 8, 0))
    with pytest.raises(TransitionError):
        dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 18, 8, 0))
    with pytest.raises(TransitionError):
        dossier_resolve(dossier=dossier, by=desk, at=timezone.now() + timedelta(hours=2))


@pytest.mark.django_db(transaction=True)
def test_twenty_desk_officers_saving_at_once_never_share_a_code(commune_a, birth_registration, desk, trust):
    barrier = threading.Barrier(20)
    codes, errors = [], []

    def take_in():
        try:
            barrier.wait()
            codes.append(receive(commune_a, birth_registration, desk).code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(codes) == len(set(codes)) == 20
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 21))
    assert DailyCounter.objects.get().last == 20
    trust("concurrent intake: dossiers taken in by parallel desks", len(codes))
    trust("concurrent intake: distinct codes given", len(set(codes)))
    trust("concurrent intake: numbering gaps", 0)


def test_moving_a_dossier_up_to_the_district_clears_the_communes_officer(commune_a, district, birth_registration, desk,
                                                                        processing_a):
    officer = processing_a
    dossier = receive(commune_a, birth_registration, desk)
    dossier = dossier_transfer(dossier=dossier, by=desk, officer=officer)
    dossier = dossier_transfer(dossier=dossier, by=officer, to_unit=district, note="Liên thông")
    assert (dossier.handling_unit, dossier.officer, dossier.agency) == (district, None, None)


@pytest.mark.django_db(transaction=True)
def test_fifty_desks_taking_in_twenty_dossiers_each_get_a_thousand_codes_without_gaps(commune_a, birth_registration, desk, trust):
    barrier = threading.Barrier(50)
    codes, errors = [], []

    def desk_session():
        try:
            barrier.wait()
            for _ in range(20):
                codes.append(receive(commune_a, birth_registration, desk).code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk_session) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(codes) == len(set(codes)) == 1000
    days = {code.rsplit("-", 2)[1] for code in codes}
    numbers = sorted(int(code[-4:]) for code in codes)
    if len(days) == 1:  # all on one Vietnam day (not straddling midnight): 1…1000 with no gap
        assert numbers == list(range(1, 1001))
    assert Dossier.objects.count() == 1000
    trust("concurrent intake: dossiers taken in by parallel desks", len(codes))
    trust("concurrent intake: distinct codes given", len(set(codes)))
    if len(days) == 1:  # the gaps were checked
        trust("concurrent intake: numbering gaps", 0)
