"""Issue 14, Authorisation: what a hostile tester did outside the suite, now refused.

1. Every write path to a procedure (the edit form, the import screen's dry run and confirmation, the
   Django admin, the ``import_procedures`` command) asks ``procedure.edit`` on the stored procedure and
   on the level it is given; an import refuses the whole file and names each refused row; posting
   the rows at a unit asks ``posting.edit`` there.
2. A dossier step belongs to the unit and the agency that hold the dossier: an agency's officer acts
   on (and lists) that agency's dossiers and unassigned ones only; the unit's staff without an agency
   act on all of the unit's; another level acts on none.
3. The admin's sign-in is the site's one throttled sign-in.
"""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
import tablib
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from dossiers import selectors
from dossiers.models import Status
from dossiers.services import Applicant, dossier_receive, dossier_transfer
from motcua.models import AgencyKind, Role
from motcua.permissions import can
from procedures.forms import ProcedureForm
from procedures.importing import procedures_import
from procedures.models import Posting, Procedure, ProcedureVersion
from procedures.services import procedure_save
from tests.factories import PASSWORD, AgencyFactory, procedure_make, staff

pytestmark = pytest.mark.django_db

DISTRICT_CODE = "2.000488"  # a district procedure: 3 working days
HEADER = "code,name,field_code,field_name,level,processing_days\n"
# The hostile row: the district procedure's code, a new name, 45 days instead of 3.
HOSTILE_ROW = f"{DISTRICT_CODE},Tên đã bị đổi,TC,Tài chính,xã,45\n"
COMMUNE_ROW = "1.000894,Đăng ký kết hôn,HT,Hộ tịch,xã,5\n"
CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def run(text: str, **kwargs):
    return procedures_import(source=BytesIO(text.encode("utf-8")), filename="danh-muc.csv", **kwargs)


@pytest.fixture
def district_procedure(district):
    return procedure_make(DISTRICT_CODE, "Cấp giấy chứng nhận đăng ký hộ kinh doanh", field=("TC", "Tài chính"),
                          level="district", days=3, post_at=[district])


def assert_untouched(procedure: Procedure, commune):
    procedure.refresh_from_db()
    assert (procedure.name, procedure.processing_days, procedure.level) == (
        "Cấp giấy chứng nhận đăng ký hộ kinh doanh", Decimal(3), "district")
    assert list(procedure.versions.values_list("number", "changed_by")) == [(1, None)]
    assert not Posting.objects.filter(unit=commune, procedure=procedure).exists()


# -- 1. every write path to a procedure asks procedure.edit -------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_commune_focal_officer_cannot_import_over_a_district_procedure(commune_a, focal_a, district_procedure, dry_run):
    report = run(HEADER + COMMUNE_ROW + HOSTILE_ROW, unit=commune_a, user=focal_a, dry_run=dry_run)
    assert not report.ok
    assert [error.split(":")[0] for error in report.errors] == ["Dòng 3"]  # only the refused row, by its line
    assert DISTRICT_CODE in report.errors[0] and "huyện" in report.errors[0]
    assert_untouched(district_procedure, commune_a)
    assert not Procedure.objects.filter(code="1.000894").exists()  # all rows or none


def test_a_commune_focal_officer_cannot_add_or_raise_a_procedure_above_the_commune(commune_a, focal_a):
    procedure_make("1.000894", "Đăng ký kết hôn", level="commune", post_at=[commune_a])
    report = run(HEADER + "1.000894,Đăng ký kết hôn,HT,Hộ tịch,huyện,5\n" + "2.000999,Thủ tục mới,TC,Tài chính,tỉnh,5\n",
                 unit=commune_a, user=focal_a)
    assert [error.split(":")[0] for error in report.errors] == ["Dòng 2", "Dòng 3"]
    assert Procedure.objects.get(code="1.000894").level == "commune"
    assert not Procedure.objects.filter(code="2.000999").exists()


def test_a_row_that_changes_nothing_is_read_back_not_refused(commune_a, focal_a, district_procedure):
    """The catalogue a commune exports holds district procedures: imported back unchanged, nothing is written."""
    row = f"{DISTRICT_CODE},Cấp giấy chứng nhận đăng ký hộ kinh doanh,TC,Tài chính,huyện,3\n"
    report = run(HEADER + row, user=focal_a)
    assert report.ok, report.errors
    assert report.unchanged == 1 and district_procedure.versions.count() == 1


def test_the_district_focal_officer_imports_district_and_commune_rows(district, district_focal, district_procedure):
    report = run(HEADER + COMMUNE_ROW + f"{DISTRICT_CODE},Tên mới,TC,Tài chính,huyện,4\n", unit=district, user=district_focal)
    assert report.ok, report.errors
    district_procedure.refresh_from_db()
    assert (district_procedure.name, district_procedure.processing_days) == ("Tên mới", Decimal(4))
    assert district_procedure.versions.get(number=2).changed_by == district_focal


def test_posting_the_rows_at_a_unit_asks_posting_edit_there(commune_a, focal_b):
    report = run(HEADER + COMMUNE_ROW, unit=commune_a, user=focal_b)
    assert not report.ok and commune_a.name in report.errors[0]
    assert not Procedure.objects.exists() and not Posting.objects.exists()


def test_the_import_screen_refuses_the_file_at_the_dry_run(client, commune_a, focal_a, district_procedure):
    file = BytesIO((HEADER + HOSTILE_ROW).encode("utf-8"))
    file.name = "danh-muc.csv"
    response = login(client, focal_a).post(reverse("procedures:procedure-import"), {"file": file})
    page = response.content.decode()
    assert response.status_code == 200 and "Dòng 2" in page and DISTRICT_CODE in page
    assert 'name="token"' not in page
    assert_untouched(district_procedure, commune_a)


def test_the_import_screen_asks_again_at_the_confirmation(client, commune_a, focal_a):
    """Checked while the procedure was the commune's; raised to the district before the confirmation."""
    procedure = procedure_make(DISTRICT_CODE, "Cấp giấy chứng nhận đăng ký hộ kinh doanh", field=("TC", "Tài chính"),
                               level="commune", days=3)
    file = BytesIO((HEADER + HOSTILE_ROW).encode("utf-8"))
    file.name = "danh-muc.csv"
    login(client, focal_a)
    page = client.post(reverse("procedures:procedure-import"), {"file": file}).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    procedure.level = "district"
    procedure_save(procedure=procedure)
    response = client.post(reverse("procedures:procedure-import"), {"token": token})
    assert response.status_code == 200 and "Dòng 2" in response.content.decode()
    stored = Procedure.objects.get(pk=procedure.pk)
    assert (stored.name, stored.processing_days) == ("Cấp giấy chứng nhận đăng ký hộ kinh doanh", Decimal(3))
    assert not Posting.objects.filter(unit=commune_a, procedure=procedure).exists()


def test_the_edit_form_and_the_service_refuse_raising_a_procedure_above_the_users_level(focal_a, commune_a):
    procedure = procedure_make("1.000894", "Đăng ký kết hôn", level="commune", post_at=[commune_a])
    form = ProcedureForm({"level": "district"}, instance=procedure, user=focal_a)
    assert not form.is_valid() and "huyện" in " ".join(form.errors["level"])
    procedure.level = "district"
    with pytest.raises(PermissionDenied):
        procedure_save(procedure=procedure, by=focal_a)
    assert Procedure.objects.get(pk=procedure.pk).level == "commune"


def test_the_service_refuses_a_commune_officer_on_a_district_procedure(focal_a, commune_a, district_procedure):
    district_procedure.processing_days = Decimal(45)
    with pytest.raises(PermissionDenied):
        procedure_save(procedure=district_procedure, by=focal_a, source=ProcedureVersion.Source.IMPORT)
    assert_untouched(district_procedure, commune_a)


@pytest.fixture
def staff_focal_a(focal_a):
    """Commune A's focal officer, let into the admin with every catalogue permission of Django's own."""
    focal_a.is_staff = True
    focal_a.save()
    focal_a.user_permissions.set(Permission.objects.filter(content_type__app_label="procedures"))
    return focal_a


def test_the_admin_refuses_a_commune_officer_on_a_district_procedure(client, staff_focal_a, commune_a, district_procedure):
    login(client, staff_focal_a)
    url = reverse("admin:procedures_procedure_change", args=[district_procedure.pk])
    data = {"code": DISTRICT_CODE, "name": "Tên đã bị đổi", "field": district_procedure.field_id, "level": "district",
            "processing_days": "45", "sector": "local", "online_level": district_procedure.online_level,
            "status": district_procedure.status, "cutoff_time": "15:00"}
    response = client.post(url, data)
    assert response.status_code == 403
    assert_untouched(district_procedure, commune_a)
    # The admin's import builds the one resource with the user: the same rows are refused.
    request = RequestFactory().post("/")
    request.user = staff_focal_a
    model_admin = admin.site._registry[Procedure]
    assert not model_admin.has_change_permission(request, district_procedure)
    resource = model_admin.get_import_resource_classes(request)[0](**model_admin.get_import_resource_kwargs(request))
    dataset = tablib.Dataset(headers=HEADER.strip().split(","))
    dataset.append(HOSTILE_ROW.strip().split(","))
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert_untouched(district_procedure, commune_a)


def test_the_admin_refuses_a_posting_outside_the_users_unit(client, staff_focal_a, commune_b, district_procedure):
    login(client, staff_focal_a)
    response = client.post(reverse("admin:procedures_posting_add"),
                           {"unit": commune_b.pk, "procedure": district_procedure.pk, "is_active": "on"})
    assert response.status_code == 403
    assert not Posting.objects.filter(unit=commune_b).exists()


def test_the_command_imports_as_the_named_account_and_refuses_what_it_may_not_change(
        tmp_path, capsys, commune_a, focal_a, district_procedure):
    path = tmp_path / "tthc.csv"
    path.write_text(HEADER + COMMUNE_ROW + HOSTILE_ROW, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path), "--unit", commune_a.code, "--by", focal_a.username)
    assert "Dòng 3" in capsys.readouterr().err
    assert_untouched(district_procedure, commune_a)
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path), "--by", "no.such.account")
    # A file the account may write is recorded as its import.
    path.write_text(HEADER + COMMUNE_ROW, encoding="utf-8")
    call_command("import_procedures", str(path), "--unit", commune_a.code, "--by", focal_a.username)
    assert Procedure.objects.get(code="1.000894").versions.get().changed_by == focal_a


# -- 2. a step belongs to the unit and the agency holding the dossier -------------------------------------


@pytest.fixture
def justice(district):
    return AgencyFactory(unit=district, name="Phòng Tư pháp", kind=AgencyKind.SPECIALISED_OFFICE)


@pytest.fixture
def finance(district):
    return AgencyFactory(unit=district, name="Phòng Tài chính – Kế hoạch", kind=AgencyKind.SPECIALISED_OFFICE)


@pytest.fixture
def justice_officer(district, justice):
    user = staff(district, Role.PROCESSING_OFFICER, "tuphap.cm", "Sơn", "Lý Văn")
    user.membership.agency = justice
    user.membership.save()
    return user


@pytest.fixture
def finance_officer(district, finance):
    user = staff(district, Role.PROCESSING_OFFICER, "tckh.cm", "Hà", "Lê Thị")
    user.membership.agency = finance
    user.membership.save()
    return user


@pytest.fixture
def district_committee(district):
    return AgencyFactory(unit=district, identifier="000.00.12.H23", name="Ủy ban nhân dân Huyện Tứ Kỳ")


@pytest.fixture
def district_dossier(district, district_committee, district_desk, district_procedure):
    return dossier_receive(unit=district, procedure=district_procedure, applicant=CITIZEN, by=district_desk)


@pytest.fixture
def finance_dossier(district_dossier, district_desk, finance):
    return dossier_transfer(dossier=district_dossier, by=district_desk, agency=finance)


def step(client, dossier, action, data=None):
    return client.post(reverse("dossiers:action", kwargs={"code": dossier.code, "action": action}), data or {})


@pytest.mark.parametrize("action", ["start", "resolve", "pause", "return_unresolved", "withdraw", "transfer"])
def test_another_agencys_officer_takes_no_step_on_the_dossier(client, finance_dossier, justice_officer, action):
    data = {f"{action}-reason": "Lý do", f"{action}-kind": "supplement"}
    assert step(login(client, justice_officer), finance_dossier, action, data).status_code == 403
    finance_dossier.refresh_from_db()
    assert finance_dossier.status == Status.TRANSFERRED and finance_dossier.officer_id is None


def test_the_agency_holding_the_dossier_starts_and_resolves_it(client, finance_dossier, finance_officer):
    login(client, finance_officer)
    for action in ("start", "resolve"):
        assert step(client, finance_dossier, action).status_code == 302
    finance_dossier.refresh_from_db()
    assert finance_dossier.status == Status.RESOLVED


def test_staff_without_an_agency_act_on_every_dossier_of_the_unit(finance_dossier, district_leader, district_desk):
    assert can(district_leader, "dossier.resolve", finance_dossier)
    assert can(district_desk, "dossier.start", finance_dossier)
    assert can(district_desk, "dossier.withdraw", finance_dossier)


def test_an_agencys_officer_acts_on_a_dossier_not_yet_assigned_to_an_agency(client, district_dossier, justice_officer):
    assert district_dossier.agency_id is None
    assert step(login(client, justice_officer), district_dossier, "start").status_code == 302


def test_the_queue_of_an_agencys_officer_lists_its_agencys_dossiers_and_unassigned_ones(
        client, district, district_desk, district_procedure, finance_dossier, justice, justice_officer, finance_officer,
        district_leader):
    unassigned = dossier_receive(unit=district, procedure=district_procedure, applicant=CITIZEN, by=district_desk)
    own = dossier_receive(unit=district, procedure=district_procedure, applicant=CITIZEN, by=district_desk, agency=justice)
    assert set(selectors.processing_queue(justice_officer)) == {unassigned, own}
    assert set(selectors.processing_queue(finance_officer)) == {unassigned, finance_dossier}
    assert set(selectors.processing_queue(district_leader)) == {unassigned, own, finance_dossier}
    page = login(client, justice_officer).get(reverse("dossiers:queue")).content.decode()
    assert own.code in page and unassigned.code in page and finance_dossier.code not in page


@pytest.fixture
def commune_dossier(commune_a, agency_a, desk_a, birth_registration):
    """Commune A's own dossier: received and handled there."""
    return dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a)


def test_the_district_desk_cannot_withdraw_a_communes_own_dossier(client, commune_dossier, district_desk):
    response = step(login(client, district_desk), commune_dossier, "withdraw", {"withdraw-reason": "Công dân rút"})
    assert response.status_code == 403
    commune_dossier.refresh_from_db()
    assert commune_dossier.status == Status.RECEIVED


@pytest.mark.parametrize("action", ["start", "resolve"])
def test_a_district_processing_officer_cannot_process_a_communes_own_dossier(
        client, commune_dossier, district_processing, action):
    assert step(login(client, district_processing), commune_dossier, action).status_code == 403
    commune_dossier.refresh_from_db()
    assert commune_dossier.status == Status.RECEIVED


# -- 3. one sign-in path, one throttle ---------------------------------------------------------------------


@pytest.fixture
def lockout(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    return settings.LOGIN_FAILURE_LIMIT


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_sign_in_is_the_sites_throttled_one(client, administrator, lockout):
    admin_login = reverse("admin:login")
    for _attempt in range(15):
        client.post(admin_login, {"username": administrator.username, "password": "wrong"})
    response = client.post(admin_login + "?next=/quan-tri/", {"username": administrator.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    assert not signed_in(client)
    # The admin sends to the site's sign-in, whose lockout holds.
    target = client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0]
    assert target.startswith(reverse("login")) and "quan-tri" in target
    for _attempt in range(lockout):
        client.post(target, {"username": administrator.username, "password": "wrong"})
    response = client.post(target, {"username": administrator.username, "password": PASSWORD})
    assert response.status_code == 200 and not signed_in(client)


def test_a_superuser_locked_at_the_site_cannot_sign_in_at_the_admin(client, administrator, lockout):
    for _attempt in range(lockout):
        client.post(reverse("login"), {"username": administrator.username, "password": "wrong"})
    client.post(reverse("admin:login"), {"username": administrator.username, "password": PASSWORD})
    assert not signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_sign_in_sends_back_to_the_admin_only_and_never_loops(client, desk_a, administrator):
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == reverse("login") + "?next=%2Fquan-tri%2F"
    login(client, desk_a)  # signed in, but not admitted to the admin
    assert client.get(reverse("admin:login") + "?next=/quan-tri/").status_code == 403
    client.logout()
    response = client.post(reverse("login") + "?next=/quan-tri/", {"username": "admin", "password": PASSWORD},
                           follow=True)
    assert signed_in(client) and response.redirect_chain[-1][0] == "/quan-tri/" and response.status_code == 200
