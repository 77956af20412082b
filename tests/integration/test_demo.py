"""`seed_demo`: Tứ Kỳ district with its communes, agencies, a user per role and a real catalogue."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from motcua.models import AdministrativeUnit, Agency, Role, StaffMembership
from procedures.models import Posting, Procedure, Sector

pytestmark = pytest.mark.django_db


def test_the_demo_loads_twice_without_duplicates(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    district = AdministrativeUnit.objects.get(code="298")
    assert district.children.count() == 23
    assert Agency.objects.filter(unit=district, kind="cong_an").exists()
    roles = set(StaffMembership.objects.filter(unit=district).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert StaffMembership.objects.filter(unit__code="11089").count() == 4
    assert get_user_model().objects.get(username="ngocky.motcua").check_password("motcua-demo-2026")

    assert Procedure.objects.count() >= 60
    counts = Procedure.objects.counts()
    assert counts["district"] and counts["commune"] and counts["police"] and counts["military"] and counts["social_insurance"]
    assert Procedure.objects.exclude(sector=Sector.LOCAL).exclude(level="district").exists()
    ngoc_ky = AdministrativeUnit.objects.get(code="11089")
    assert Posting.objects.filter(unit=ngoc_ky).count() == Procedure.objects.filter(level="commune").count()
    assert "motcua-demo-2026" in capsys.readouterr().out
