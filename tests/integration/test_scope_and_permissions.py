"""The one scope and the one permission table, asked the way every screen asks them.

A desk officer of Ngọc Kỳ sees Ngọc Kỳ; the district office sees the district and both communes; the
superuser sees everything; an account attached to no unit sees nothing and is told why. What each may
do is one row of motcua.permissions.RULES, checked here against the units it names.
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier
from motcua.models import AdministrativeUnit
from motcua.permissions import can
from motcua.scope import Scope
from procedures.models import Procedure
from tests.factories import PASSWORD, make_dossier, vn

pytestmark = pytest.mark.django_db


def test_a_commune_officer_sees_the_commune_and_the_district_sees_both(desk_a, district_office, commune_a, commune_b, district):
    assert set(Scope.of(desk_a).units()) == {commune_a}
    assert set(Scope.of(district_office).units()) == {district, commune_a, commune_b}
    assert Scope.of(desk_a).contains(commune_a) and not Scope.of(desk_a).contains(commune_b)
    assert not Scope.of(desk_a).contains(district)


def test_the_superuser_sees_everything_and_an_account_without_a_unit_nothing(administrator, user_without_unit, province):
    assert Scope.of(administrator).everything and Scope.of(administrator).home() == province
    nobody = Scope.of(user_without_unit)
    assert nobody.is_empty and list(nobody.units()) == []
    assert not nobody.contains(province)


def test_an_account_without_a_unit_is_told_why_on_every_staff_page(client, user_without_unit, commune_a):
    client.login(username=user_without_unit.username, password=PASSWORD)
    for name in ("dossiers:board", "procedures:procedure-list", "tickets:list", "ratings:figures", "reports:index"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert "không thuộc đơn vị nào" in response.content.decode(), name


def test_the_dossier_scope_reads_the_subtree_ids_once_instead_of_joining_the_units(desk_a, birth_registration, commune_a):
    make_dossier(procedure=birth_registration, unit=commune_a, received_at=vn(2026, 1, 19, 8), due_at=vn(2026, 1, 20, 17, 30))
    with CaptureQueriesContext(connection) as queries:
        assert Dossier.objects.for_user(desk_a).count() == 1
    sql = queries.captured_queries[-1]["sql"]
    assert "= ANY(ARRAY(" in sql and "JOIN" not in sql


def test_a_commune_focal_officer_edits_commune_procedures_and_not_the_districts(focal_a, district_focal, commune_a):
    commune_level = Procedure(code="1.000001", level="commune")
    district_level = Procedure(code="1.000002", level="district")
    assert can(focal_a, "procedure.edit", commune_level)
    assert not can(focal_a, "procedure.edit", district_level)
    assert can(district_focal, "procedure.edit", district_level) and can(district_focal, "procedure.edit", commune_level)


def test_a_report_is_submitted_by_its_own_unit_only(leader_a, district_office, commune_a, district):
    assert can(leader_a, "report.submit", commune_a)
    assert not can(district_office, "report.submit", commune_a)
    assert can(district_office, "report.submit", district)


def test_a_processing_step_belongs_to_the_handling_unit_and_the_return_to_the_receiving_desk(
    processing_a, desk_a, district_processing, district_desk, birth_registration, commune_a, district
):
    # Received at Ngọc Kỳ's desk, handled by the district (liên thông).
    dossier = make_dossier(
        procedure=birth_registration, unit=commune_a, handling_unit=district,
        received_at=vn(2026, 1, 19, 8), due_at=vn(2026, 1, 22, 17, 30),
    )
    assert can(district_processing, "dossier.resolve", dossier)
    assert not can(processing_a, "dossier.resolve", dossier)
    assert not can(processing_a, "dossier.start", dossier)
    assert can(desk_a, "dossier.return", dossier) and not can(district_desk, "dossier.return", dossier)
    assert can(desk_a, "dossier.transfer", dossier) and can(district_processing, "dossier.transfer", dossier)


def test_the_admin_shows_who_may_do_what_read_only(client, administrator, desk_a):
    client.login(username=administrator.username, password=PASSWORD)
    page = client.get(reverse("admin-permission-table")).content.decode()
    assert "Hoàn thành giải quyết hồ sơ" in page and "dossier.resolve" in page
    assert "tại đơn vị giải quyết hồ sơ" in page
    assert "<form" not in page.split('id="permission-table"')[1]  # nothing to change there
    client.logout()
    client.login(username=desk_a.username, password=PASSWORD)
    assert client.get(reverse("admin-permission-table")).status_code == 302  # the admin's own sign-in


def test_units_outside_the_scope_answer_404_through_the_one_helper(client, desk_a, commune_b):
    client.login(username=desk_a.username, password=PASSWORD)
    assert client.get(reverse("motcua:unit-detail", args=[commune_b.code])).status_code == 404
    assert AdministrativeUnit.objects.for_user(desk_a).filter(pk=commune_b.pk).count() == 0
