"""A commune's desk takes in what the catalogue says it may (issue 17, Nghị định 118/2025): its own
procedures, the district's procedures inter-connected with the commune level (liên thông), and a
location-independent procedure posted anywhere in the province, handled by a unit that posts it."""
import pytest
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.selectors import default_handling_unit, handling_units_for, intake_procedures
from tests.factories import PASSWORD, procedure_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(district, commune_a, commune_b):
    own = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a])
    interconnected = procedure_make("1.003583", "Đăng ký thường trú (liên thông)", level="district",
                                    interconnected_with="commune", post_at=[district])
    district_only = procedure_make("1.004227", "Đăng ký biến động đất đai", level="district", post_at=[district])
    anywhere = procedure_make("2.000815", "Chứng thực bản sao từ bản chính", field=("CT", "Chứng thực"), days=0,
                              location_independent=True, post_at=[commune_b])
    return own, interconnected, district_only, anywhere


def test_the_desk_offers_what_the_catalogue_lets_it_take_in(commune_a, catalogue):
    own, interconnected, district_only, anywhere = catalogue
    offered = set(intake_procedures(commune_a).values_list("code", flat=True))
    assert offered == {own.code, interconnected.code, anywhere.code}
    assert district_only.code not in offered


def test_a_location_independent_dossier_goes_to_a_unit_that_posts_it(commune_a, commune_b, district, catalogue):
    *_, anywhere = catalogue
    assert handling_units_for(commune_a, anywhere) == [commune_b]
    assert default_handling_unit(commune_a, anywhere) == commune_b
    interconnected = catalogue[1]
    assert default_handling_unit(commune_a, interconnected) == district


def test_the_commune_desk_takes_in_a_location_independent_dossier_for_another_commune(
        client, desk_a, agency_a, agency_b, commune_a, commune_b, catalogue):
    *_, anywhere = catalogue
    client.login(username=desk_a.username, password=PASSWORD)
    data = {
        "procedure": anywhere.code, "applicant_name": "Trần Thị Bình", "applicant_id_number": "030085001234",
        "applicant_phone": "0912345678", "applicant_address": "Thị trấn Tứ Kỳ", "applicant_email": "",
        "applicant_kind": "person", "channel": "direct", "handling_unit": str(commune_b.pk),
        "received_at": "", "notes": "", "refusal_reason": "", "receive": "1",
    }
    response = client.post(reverse("dossiers:intake"), data)
    assert response.status_code == 302, [str(e) for e in response.context["form"].errors.items()]
    dossier = Dossier.objects.get()
    assert (dossier.receiving_unit, dossier.handling_unit) == (commune_a, commune_b)


def test_the_competent_unit_is_the_one_the_applicant_s_address_names(
        client, desk_a, agency_a, agency_b, commune_a, commune_b, district, catalogue):
    """Two communes post the location-independent procedure, Ngọc Kỳ does not: left to itself, the desk's
    form sends the dossier to the commune named in the address, written without diacritics or its kind."""
    from dossiers.selectors import unit_in_address
    from procedures.services import posting_set
    from tests.factories import AgencyFactory, UnitFactory

    *_, anywhere = catalogue
    quang_phuc = UnitFactory(code="11095", name="Xã Quang Phục", level="commune", parent=district)
    AgencyFactory(unit=quang_phuc, identifier="000.03.12.H23", name="Ủy ban nhân dân xã Quang Phục")
    posting_set(unit=quang_phuc, procedure=anywhere)
    units = [commune_b, quang_phuc]
    assert unit_in_address("Thôn Đông, xa quang phuc, huyện Tứ Kỳ", units) == quang_phuc
    assert unit_in_address("Khu 3, Thị trấn Tứ Kỳ", units) == commune_b
    assert unit_in_address("Hà Nội", units) is None
    client.login(username=desk_a.username, password=PASSWORD)
    response = client.post(reverse("dossiers:intake"), {
        "procedure": anywhere.code, "applicant_name": "Vũ Văn Nam", "applicant_id_number": "", "applicant_phone": "",
        "applicant_address": "Thôn Đông, Quang Phục", "applicant_email": "", "applicant_kind": "person",
        "channel": "direct", "handling_unit": "", "received_at": "", "notes": "", "refusal_reason": "", "receive": "1",
    })
    assert response.status_code == 302, [str(e) for e in response.context["form"].errors.items()]
    assert Dossier.objects.get().handling_unit == quang_phuc
