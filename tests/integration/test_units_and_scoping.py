"""The unit tree and scoping: a commune sees itself, a district sees every commune below it."""
import pytest
from django.urls import reverse

from motcua.access import get_unit_for_user
from motcua.models import AdministrativeUnit, Agency
from tests.factories import PASSWORD, UnitFactory

pytestmark = pytest.mark.django_db


def test_the_subtree_of_a_district_holds_its_communes_and_not_its_province(province, district, commune_a, commune_b):
    assert set(district.subtree()) == {district, commune_a, commune_b}
    assert set(district.descendants()) == {commune_a, commune_b}
    assert province not in district.subtree()


def test_ancestors_come_root_first_in_one_query(province, district, commune_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert list(commune_a.ancestors()) == [province, district]
    assert commune_a.ancestor_keys == ["30", "298"]
    assert list(province.ancestors()) == []


def test_a_two_tier_tree_works_as_well_as_three(db):
    """Since July 2025: province → commune, with no district in between."""
    hai_phong = UnitFactory(code="31", name="Thành phố Hải Phòng", level="province")
    tu_ky = UnitFactory(code="11074", name="Xã Tứ Kỳ", level="commune", parent=hai_phong)
    assert tu_ky.depth == 1
    assert list(tu_ky.ancestors()) == [hai_phong]
    assert hai_phong.contains(tu_ky) and not tu_ky.contains(hai_phong)


def test_moving_a_district_moves_its_communes_paths(province, district, commune_a):
    from motcua.services import unit_save

    other_province = UnitFactory(code="31", name="Thành phố Hải Phòng", level="province")
    district.parent = other_province
    unit_save(unit=district)
    commune_a.refresh_from_db()
    assert commune_a.path == "31/298/11089/"
    assert other_province.contains(commune_a) and not province.contains(commune_a)


def test_a_commune_b_officer_gets_404_on_commune_a(client, officer_b, commune_a, agency_a):
    client.login(username=officer_b.username, password=PASSWORD)
    response = client.get(reverse("motcua:unit-detail", args=[commune_a.code]))
    assert response.status_code == 404
    assert "Xã Ngọc Kỳ" not in response.content.decode()


def test_a_commune_b_officer_sees_none_of_commune_a_in_lists(client, officer_b, commune_a, commune_b, agency_a):
    client.login(username=officer_b.username, password=PASSWORD)
    page = client.get(reverse("motcua:unit-list")).content.decode()
    assert "Thị trấn Tứ Kỳ" in page
    assert "Xã Ngọc Kỳ" not in page
    assert "Huyện Tứ Kỳ" not in page
    searched = client.get(reverse("motcua:unit-list"), {"q": "Ngọc"}).content.decode()
    assert "Xã Ngọc Kỳ" not in searched
    assert list(Agency.objects.for_user(officer_b)) == []


def test_a_district_officer_sees_both_communes(client, district_officer, commune_a, commune_b, agency_a, agency_b):
    client.login(username=district_officer.username, password=PASSWORD)
    page = client.get(reverse("motcua:unit-list")).content.decode()
    assert "Xã Ngọc Kỳ" in page and "Thị trấn Tứ Kỳ" in page
    for commune in (commune_a, commune_b):
        assert client.get(reverse("motcua:unit-detail", args=[commune.code])).status_code == 200
    assert set(Agency.objects.for_user(district_officer)) == {agency_a, agency_b}


def test_a_district_officer_cannot_climb_to_the_province(client, district_officer, province):
    client.login(username=district_officer.username, password=PASSWORD)
    assert client.get(reverse("motcua:unit-detail", args=[province.code])).status_code == 404


def test_a_user_without_a_unit_sees_no_unit(user_without_unit, commune_a):
    assert AdministrativeUnit.objects.for_user(user_without_unit).count() == 0
    with pytest.raises(Exception) as raised:
        get_unit_for_user(user_without_unit, commune_a.code)
    assert raised.typename == "Http404"


def test_pages_need_a_signed_in_user(client, commune_a):
    for url in [reverse("motcua:unit-list"), reverse("motcua:unit-detail", args=["11089"])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    # "/" is the office's public front door for someone not signed in, with the staff's way in.
    home = client.get(reverse("motcua:home"))
    assert home.status_code == 200 and reverse("login") in home.content.decode()


def test_the_unit_list_costs_the_same_few_queries_for_a_big_district(client, district_officer, district, django_assert_max_num_queries):
    for n in range(60):
        UnitFactory(code=f"2{n:04d}", level="commune", parent=district)
    client.login(username=district_officer.username, password=PASSWORD)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("motcua:unit-list")).status_code == 200
