"""The audit trail: every change recorded by the database (bulk updates included), with who, where,
when and which request; audit rows cannot be rewritten; views of personal data are logged."""
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.services import Applicant, dossier_receive
from motcua.audit import audit_context, audited_tables
from motcua.models import AdministrativeUnit, AuditEvent
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedure(db):
    procedure = Procedure(code="1.001193", name="Đăng ký khai sinh", field=Field.objects.create(code="HT", name="Hộ tịch"),
                          level="commune", processing_days=Decimal(3))
    procedure_save(procedure=procedure)
    return procedure


def trail(obj):
    return AuditEvent.objects.filter(table_name=obj._meta.db_table, row_id=str(obj.pk)).order_by("id")


def test_the_audited_tables_are_units_procedures_dossiers_ratings_and_tickets():
    tables = set(audited_tables())
    assert {"motcua_administrativeunit", "procedures_procedure", "dossiers_dossier", "dossiers_rating",
            "dossiers_feedbackticket"} <= tables


def test_a_dossier_taken_in_is_recorded_with_the_desk_officer_and_unit(commune_a, agency_a, desk_officer_a, procedure):
    with audit_context(actor=desk_officer_a, unit=commune_a, request_id="req-1", ip="10.0.0.7"):
        dossier = dossier_receive(unit=commune_a, procedure=procedure, applicant=Applicant(name="Nguyễn Văn An"), by=desk_officer_a)
    (event,) = trail(dossier)
    assert (event.action, event.actor_id, event.unit_id, event.request_id, event.ip) == (
        "insert", desk_officer_a.pk, commune_a.pk, "req-1", "10.0.0.7")
    assert event.after["code"] == dossier.code


def test_a_bulk_update_is_caught_with_only_what_changed(commune_a, district_officer):
    with audit_context(actor=district_officer, request_id="bulk"):
        AdministrativeUnit.objects.filter(pk=commune_a.pk).update(name="Xã Ngọc Kỳ mới")
    event = trail(commune_a).last()
    assert event.action == "update" and event.request_id == "bulk" and event.actor_id == district_officer.pk
    assert event.before == {"name": "Xã Ngọc Kỳ"} and event.after == {"name": "Xã Ngọc Kỳ mới"}


def test_a_delete_is_recorded_with_the_row_as_it_was(commune_a, procedure):
    field = Field.objects.create(code="X", name="Khác")
    extra = Procedure(code="9.999999", name="Thử", field=field, level="commune", processing_days=Decimal(1))
    procedure_save(procedure=extra)
    pk = extra.pk
    extra.versions.all().delete()
    extra.delete()
    event = AuditEvent.objects.filter(table_name="procedures_procedure", row_id=str(pk), action="delete").get()
    assert event.before["code"] == "9.999999" and event.after is None


def test_audit_rows_cannot_be_changed_or_deleted(commune_a):
    event = trail(commune_a).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_id=999)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).actor_id == event.actor_id


def test_a_request_attributes_its_writes_to_the_signed_in_user_and_unit(client, commune_a, procedure):
    from motcua.models import Role
    from procedures.models import Posting
    from tests.factories import MembershipFactory

    focal = MembershipFactory(unit=commune_a, role=Role.FOCAL_OFFICER, user__username="focal.a").user
    client.login(username="focal.a", password=PASSWORD)
    client.post(reverse("procedures:posting-edit", args=[procedure.code]),
                {"unit": commune_a.code, "is_active": "on", "posted_at_desk": "05/01/2026"}, REMOTE_ADDR="10.1.2.3")
    posting = Posting.objects.get(unit=commune_a, procedure=procedure)
    events = list(trail(posting))
    assert [e.action for e in events] == ["insert"]  # created with its posting dates, in one write
    for event in events:
        assert (event.actor_id, event.unit_id, event.ip) == (focal.pk, commune_a.pk, "10.1.2.3")
    assert len({e.request_id for e in events}) == 1 and len(events[0].request_id) == 32
    # The next write outside any request is not attributed to that officer.
    AdministrativeUnit.objects.filter(pk=commune_a.pk).update(name="Xã Ngọc Kỳ (sửa)")
    assert trail(commune_a).last().actor_id is None


def test_opening_a_dossier_logs_who_viewed_its_personal_data(client, commune_a, agency_a, desk_officer_a, procedure):
    dossier = dossier_receive(unit=commune_a, procedure=procedure, applicant=Applicant(name="Nguyễn Văn An"), by=desk_officer_a)
    client.login(username="desk.a", password=PASSWORD)
    assert client.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 200
    view = AuditEvent.objects.get(table_name="dossiers_dossier", row_id=str(dossier.pk), action="view")
    assert (view.actor_id, view.unit_id) == (desk_officer_a.pk, commune_a.pk)
    assert Dossier.objects.count() == 1
