"""`seed_demo --tree 2025`: a province → commune install whose history crosses 1/7/2025.

The bundled unit files are imported in order (the 2023 tree, the mergers of 1/12/2024, Thành phố Hải
Phòng and its six communes from 1/7/2025) and dossiers are received at the units in force at each
receipt moment. On PostgreSQL (loaded twice in a transaction rolled back after the module's tests) the
city office sees the six communes, Xã Tân Kỳ's desk has an open dossier of Xã Ngọc Kỳ (2024) on its
board, and the 2025 annual report of Xã Tứ Kỳ agrees with a count made here from the rows. On a fresh
SQLite file (as `make run` uses) the same command loads, refuses the other tree, and the desk's board
reads the unit history there too.
"""
import io
import json
import subprocess
import sys
import textwrap
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from dossiers.demo import DEMO_NOTE, demo_seed
from dossiers.models import Apology, Dossier, DossierEvent, Pause, Status
from motcua.calendar import VN_TZ
from motcua.demo import DEMO_PASSWORD
from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership
from motcua.periods import day_bounds, parse_period
from motcua.scope import Scope
from procedures.models import Posting, Procedure
from reports.figures import compute_figures
from tests.integration.test_sqlite_install import ROOT, development_env, run

NEW_COMMUNES = {"Xã Tứ Kỳ", "Xã Tân Kỳ", "Xã Đại Sơn", "Xã Chí Minh", "Xã Lạc Phượng", "Xã Nguyên Giáp"}
CHANGES = (date(2024, 12, 1), date(2025, 7, 1))
COMMUNE_ROLES = {Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.FOCAL_OFFICER, Role.UNIT_LEADER}


def counts() -> dict[str, int]:
    return {"units": AdministrativeUnit.objects.count(), "agencies": Agency.objects.count(),
            "postings": Posting.objects.count(), "users": get_user_model().objects.count(),
            "dossiers": Dossier.objects.count(), "events": DossierEvent.objects.count(),
            "pauses": Pause.objects.count(), "apologies": Apology.objects.count()}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """seed_demo --tree 2025 twice in a transaction rolled back after the module's tests."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", "--tree", "2025", stdout=out)
            connection.check_constraints()  # the deferred foreign keys, once here rather than at each test's end
            first = counts()
            call_command("seed_demo", "--tree", "2025", stdout=io.StringIO())
            yield {"counts": first, "output": out.getvalue()}
            transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):
    return demo


def unit(code, on=None):
    return AdministrativeUnit.objects.by_key(code, on=on)


def user(username):
    return get_user_model().objects.get(username=username)


# -- the install -------------------------------------------------------------------------------------


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    assert seeded["counts"] == counts()
    assert demo_seed(tree="2025")["dossiers"] == 0
    with pytest.raises(CommandError, match="history"):  # one database, one tree
        call_command("seed_demo", stdout=io.StringIO())
    assert seeded["counts"] == counts()


def test_the_units_in_force_are_the_city_and_its_six_communes_with_the_old_tree_as_their_history(seeded):
    city = unit("31")
    assert (city.name, city.level, city.valid_from, city.parent) == ("Thành phố Hải Phòng", "province", date(2025, 7, 1), None)
    assert {u.name for u in AdministrativeUnit.objects.children_in_force(city)} == NEW_COMMUNES
    assert AdministrativeUnit.objects.in_force().count() == 7
    assert AdministrativeUnit.objects.in_force(date(2024, 11, 30)).count() == 25  # Hải Dương, Tứ Kỳ, 23 communes
    assert AdministrativeUnit.objects.in_force(date(2024, 12, 1)).count() == 22  # … and 20 communes
    ended = dict(AdministrativeUnit.objects.filter(code__in=["30", "298", "11089"]).values_list("name", "valid_to"))
    assert ended == {"Tỉnh Hải Dương": date(2025, 6, 30), "Huyện Tứ Kỳ": date(2025, 6, 30),
                     "Xã Ngọc Kỳ": date(2024, 11, 30)}
    assert unit("11113").desk_name == "Trung tâm Phục vụ hành chính công xã Tân Kỳ"


def test_agencies_and_postings_are_those_of_the_units_in_force(seeded):
    city = unit("31")
    for commune in AdministrativeUnit.objects.children_in_force(city):
        committee = Agency.objects.get(unit=commune, kind=AgencyKind.PEOPLES_COMMITTEE)
        assert committee.is_active and committee.identifier.startswith("000.") and committee.identifier.endswith(".H26")
        assert Posting.objects.filter(unit=commune, is_active=True).count() == Procedure.objects.in_force().count()
    kinds = set(Agency.objects.filter(unit=city, is_active=True).values_list("kind", flat=True))
    assert AgencyKind.vertical() | {AgencyKind.PEOPLES_COMMITTEE, AgencyKind.SPECIALISED_OFFICE} == kinds
    # The units that ended keep their agencies (the old dossiers name them), switched off, and post nothing.
    ended = AdministrativeUnit.objects.filter(valid_to__isnull=False)
    assert Agency.objects.filter(unit__in=ended).count() == 13 + 26  # the district's offices, every commune
    assert not Agency.objects.filter(unit__in=ended, is_active=True).exists()
    assert not Posting.objects.filter(unit__in=ended).exists()


def test_the_demo_users_work_in_the_city_and_two_of_its_communes(seeded):
    for code, slug in (("11074", "xatuky"), ("11113", "tanky")):
        members = StaffMembership.objects.filter(unit=unit(code))
        assert {m.role for m in members} == COMMUNE_ROLES
        assert {m.user.username.split(".")[0] for m in members} == {slug}
        assert all(m.agency.kind == AgencyKind.PEOPLES_COMMITTEE for m in members)
    office = StaffMembership.objects.get(user__username="haiphong.vanphong")
    assert (office.unit.name, office.role, office.agency.name) == (
        "Thành phố Hải Phòng", Role.DISTRICT_OFFICE, "Văn phòng Ủy ban nhân dân thành phố")
    admin = user("haiphong.quantri")
    assert admin.is_superuser and admin.membership.role == Role.ADMINISTRATOR
    assert not StaffMembership.objects.filter(unit__valid_to__isnull=False).exists()
    output = seeded["output"]
    assert f"password for all, demo only: {DEMO_PASSWORD}" in output
    assert "tanky.motcua" in output and "haiphong.vanphong" in output and "11113" in output


# -- the dossiers --------------------------------------------------------------------------------------


def test_each_dossier_was_received_at_a_unit_in_force_that_day(seeded):
    total = Dossier.objects.count()
    assert 20_000 <= total <= 50_000
    assert not Dossier.objects.exclude(notes=DEMO_NOTE).exclude(status=Status.REFUSED).exists()
    rows = Dossier.objects.values_list("received_at", "receiving_unit__valid_from", "receiving_unit__valid_to")
    outside = [(at, start, end) for at, start, end in rows.iterator()
               if not ((start is None or start <= at.astimezone(VN_TZ).date()) and (end is None or at.astimezone(VN_TZ).date() <= end))]
    assert outside == []
    # No step after now, none before the receipt.
    assert not DossierEvent.objects.filter(at__gt=timezone.now()).exists()
    assert not DossierEvent.objects.filter(at__lt=F("dossier__received_at")).exists()
    start, end = day_bounds(date(2024, 1, 1))[0], day_bounds(CHANGES[0])[0]
    at_old_communes = Dossier.objects.filter(received_at__gte=start, received_at__lt=end,
                                             receiving_unit__valid_to=CHANGES[0] - timedelta(days=1))
    at_2024_communes = Dossier.objects.filter(receiving_unit__valid_from=CHANGES[0])
    at_new_communes = Dossier.objects.filter(receiving_unit__parent=unit("31"))
    assert at_old_communes.count() > 1_000 and at_2024_communes.count() > 1_000 and at_new_communes.count() > 10_000
    assert not at_new_communes.filter(received_at__lt=day_bounds(CHANGES[1])[0]).exists()
    assert set(at_new_communes.values_list("receiving_unit__name", flat=True).distinct()) == NEW_COMMUNES
    # Some were left open at units that ended, each with a handover step per change it lived through.
    left_open = Dossier.objects.pending().filter(receiving_unit__valid_to__isnull=False)
    assert left_open.count() >= 10
    for dossier in left_open[:50]:
        steps = list(dossier.events.filter(action="handover").order_by("at").select_related("unit"))
        assert steps and all(step.by_id is None and step.at.astimezone(VN_TZ).time().hour == 0 for step in steps)
        assert steps[-1].unit.is_active  # it ends at a unit in force


def test_the_city_office_sees_the_six_communes_and_everything_they_took_over(seeded, client):
    office = user("haiphong.vanphong")
    scope = Scope.of(office)
    assert all(scope.contains(commune) for commune in AdministrativeUnit.objects.children_in_force(unit("31")))
    assert Dossier.objects.for_user(office).count() == Dossier.objects.count()
    client.force_login(office)
    page = client.get(reverse("motcua:unit-detail", args=["31"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert all(name in html for name in NEW_COMMUNES)
    figures = compute_figures(unit("31"), parse_period("2026"))
    assert {row["unit_name"] for row in figures.by_unit if not row["own"]} == NEW_COMMUNES


def test_tan_ky_desk_board_lists_an_open_dossier_received_at_ngoc_ky_in_2024(seeded, client):
    ngoc_ky = unit("11089~20241130")
    first_day, last_day = day_bounds(date(2024, 1, 1), date(2024, 12, 31))
    dossier = (Dossier.objects.pending().filter(receiving_unit=ngoc_ky, handling_unit=ngoc_ky, received_at__gte=first_day,
                                                received_at__lt=last_day).order_by("due_at").first())
    assert dossier is not None
    steps = list(dossier.events.filter(action="handover").order_by("at").values_list("unit__name", "at"))
    assert steps == [("Xã Kỳ Sơn", day_bounds(CHANGES[0])[0]), ("Xã Tân Kỳ", day_bounds(CHANGES[1])[0])]
    client.force_login(user("tanky.motcua"))
    board = client.get(reverse("dossiers:board"))
    assert board.status_code == 200 and dossier.code in board.content.decode()
    assert client.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 200
    client.force_login(user("xatuky.motcua"))  # a commune that did not take Ngọc Kỳ over
    assert client.get(reverse("dossiers:detail", args=[dossier.code])).status_code == 404


def test_xa_tu_ky_2025_counts_its_four_predecessors_until_june_and_itself_after(seeded):
    period = parse_period("2025")  # 15/12/2024 – 14/12/2025
    xa_tu_ky = unit("11074")
    predecessors = AdministrativeUnit.objects.filter(
        name__in=["Thị trấn Tứ Kỳ", "Xã Minh Đức", "Xã Quang Khải", "Xã Quang Phục"], valid_to=date(2025, 6, 30))
    assert predecessors.count() == 4
    change = day_bounds(CHANGES[1])[0]
    # Counted here from the rows: the dossiers handled at the four until 30/06, at Xã Tứ Kỳ after.
    counted = Dossier.objects.exclude(status=Status.REFUSED)
    theirs = counted.filter(handling_unit__in=predecessors)
    own = counted.filter(handling_unit=xa_tu_ky)
    assert not theirs.filter(received_at__gte=change).exists() and not own.filter(received_at__lt=change).exists()
    both = theirs | own
    new = Q(received_at__gte=period.start, received_at__lt=period.end)
    before, after = theirs.filter(new).count(), own.filter(new).count()
    assert before > 1_000 and after > 1_000
    resolved = both.filter(resolved_at__gte=period.start, resolved_at__lt=period.end).count()
    pending = both.filter(received_at__lt=period.end).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.end)).count()

    figures = compute_figures(xa_tu_ky, period)
    assert figures.totals["received"]["new"] == before + after
    assert figures.totals["resolved"]["total"] == resolved
    assert figures.totals["pending"]["total"] == pending
    assert [row["unit_name"] for row in figures.by_unit] == ["Xã Tứ Kỳ"]


# -- the development install (SQLite) ------------------------------------------------------------------

BOARD = textwrap.dedent('''
    import json, os
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    from dossiers.models import Dossier

    open_at_ngoc_ky = list(Dossier.objects.pending().filter(receiving_unit__code="11089")
                           .order_by("due_at").values_list("code", flat=True)[:1])
    desk = Client()
    response = desk.post(reverse("login"), {"username": "tanky.motcua", "password": "%(password)s"})
    board = desk.get(reverse("dossiers:board")).content.decode()
    print(json.dumps({"sign_in": response.status_code, "open": open_at_ngoc_ky,
                      "on_board": bool(open_at_ngoc_ky) and open_at_ngoc_ky[0] in board}))
''') % {"password": DEMO_PASSWORD}


def test_the_2025_demo_loads_into_a_fresh_sqlite_file_and_refuses_the_other_tree(tmp_path_factory):
    env = development_env(tmp_path_factory.mktemp("install-2025") / "var")
    run(["manage.py", "migrate", "--noinput"], env)
    seed = run(["manage.py", "seed_demo", "--tree", "2025"], env).stdout
    assert "motcua: {'units': 35" in seed and "dossiers: {'dossiers': " in seed
    assert "tanky.motcua" in seed and f"password for all, demo only: {DEMO_PASSWORD}" in seed
    again = run(["manage.py", "seed_demo", "--tree", "2025"], env).stdout
    assert "'users_created': 0" in again and "'already_seeded': 1" in again
    other = subprocess.run([sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert other.returncode != 0 and "history" in other.stderr

    seen = json.loads(run(["-c", BOARD], env).stdout.strip().splitlines()[-1])
    assert seen["sign_in"] == 302 and seen["open"] and seen["on_board"]
