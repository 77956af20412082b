"""The public posting (niêm yết công khai): a citizen on a phone reads a commune's procedures
without signing in, on light pages that caches may keep and that show nothing about staff."""
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motcua.models import UnitLevel
from procedures.models import OnlineLevel, Procedure, ProcedureStatus
from procedures.parsing import ComponentSpec, FeeSpec
from procedures.services import field_get_or_create, posting_set, procedure_save

pytestmark = pytest.mark.django_db


def make_procedure(code, name, field_name, *, by=None, days=3, fees=(), components=(), **extra) -> Procedure:
    field = field_get_or_create(code=f"LV-{field_name}", name=field_name)
    procedure = Procedure(
        code=code, name=name, field=field, level=UnitLevel.COMMUNE, processing_days=Decimal(days), **extra
    )
    procedure_save(procedure=procedure, fees=list(fees), components=list(components), by=by)
    return procedure


@pytest.fixture
def ngoc_ky_postings(commune_a, commune_b, focal_a):
    """Ngọc Kỳ posts a birth registration, a marriage registration and a copy from the master book;
    Thị trấn Tứ Kỳ alone posts a land procedure."""
    birth = make_procedure(
        "1.001193", "Đăng ký khai sinh", "Hộ tịch", by=focal_a, days=0,
        online_level=OnlineLevel.FULL,
        components=[ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0), ComponentSpec("Giấy chứng sinh", 1, 0)],
        result="Giấy khai sinh", legal_basis="Luật Hộ tịch số 60/2014/QH13",
    )
    marriage = make_procedure(
        "1.000894", "Đăng ký kết hôn", "Hộ tịch", by=focal_a, days=5,
        online_level=OnlineLevel.PARTIAL,
        fees=[FeeSpec("Lệ phí", 30000)],
        components=[ComponentSpec("Tờ khai đăng ký kết hôn", 1, 0), ComponentSpec("Giấy xác nhận tình trạng hôn nhân", 1, 0, False)],
    )
    copy = make_procedure(
        "2.000908", "Cấp bản sao từ sổ gốc", "Chứng thực", by=focal_a, days=Decimal("0.5"),
        fees=[FeeSpec("Lệ phí", 8000, "mỗi bản")],
        agency="Ủy ban nhân dân cấp xã",
    )
    land = make_procedure("1.004227", "Đăng ký đất đai lần đầu", "Đất đai", by=focal_a, days=30)
    for procedure in (birth, marriage, copy):
        posting_set(unit=commune_a, procedure=procedure)
    posting_set(unit=commune_b, procedure=land)
    return {"birth": birth, "marriage": marriage, "copy": copy, "land": land}


def test_a_citizen_reads_a_communes_procedures_grouped_by_field_without_signing_in(client, commune_a, ngoc_ky_postings):
    response = client.get(reverse("public:unit-procedures", args=[commune_a.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Xã Ngọc Kỳ" in page
    for code in ["1.001193", "1.000894", "2.000908"]:
        assert code in page
    assert "Đăng ký đất đai lần đầu" not in page  # posted by Thị trấn Tứ Kỳ only
    # Fields in order, each followed by its own procedures.
    assert page.index("Chứng thực") < page.index("Cấp bản sao từ sổ gốc") < page.index("Hộ tịch")
    assert page.index("Hộ tịch") < page.index("Đăng ký kết hôn") < page.index("Đăng ký khai sinh")
    # Amounts and days written the Vietnamese way.
    assert "8.000" in page and "30.000" in page and "0,5" in page
    assert [p.procedure.code for p in response.context["postings"]] == ["2.000908", "1.000894", "1.001193"]


def test_the_public_pages_show_nothing_about_staff(client, commune_a, ngoc_ky_postings, focal_a):
    birth = ngoc_ky_postings["birth"]
    for url in [
        reverse("public:unit-index"),
        reverse("public:unit-procedures", args=[commune_a.code]),
        reverse("public:procedure-detail", args=[commune_a.code, birth.code]),
    ]:
        page = client.get(url).content.decode()
        assert "focal.a" not in page and "Phạm Thu" not in page and "Hằng" not in page
        assert "/quan-tri/" not in page
        assert "csrfmiddlewaretoken" not in page
        assert "<script" not in page


def test_the_unit_index_lists_units_that_post_procedures_under_their_district(client, district, commune_a, commune_b, ngoc_ky_postings):
    posting_set(unit=commune_b, procedure=ngoc_ky_postings["land"], is_active=False)
    response = client.get(reverse("public:unit-index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Huyện Tứ Kỳ") < page.index("Xã Ngọc Kỳ")
    assert "Thị trấn Tứ Kỳ" not in page  # its only posting is withdrawn
    assert reverse("public:unit-procedures", args=[commune_a.code]) in page
    assert {unit.code: unit.procedure_count for unit in response.context["units"]} == {commune_a.code: 3}


def test_the_detail_gives_what_a_citizen_needs_to_submit(client, commune_a, ngoc_ky_postings):
    response = client.get(reverse("public:procedure-detail", args=[commune_a.code, "1.000894"]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["Đăng ký kết hôn", "1.000894", "Hộ tịch", "Xã Ngọc Kỳ", "Lệ phí", "30.000",
                 "Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"]:
        assert text in page, text
    components = response.context["components"]
    assert [(c.name, c.originals, c.copies, c.required) for c in components] == [
        ("Tờ khai đăng ký kết hôn", 1, 0, True),
        ("Giấy xác nhận tình trạng hôn nhân", 1, 0, False),
    ]
    birth = client.get(reverse("public:procedure-detail", args=[commune_a.code, "1.001193"])).content.decode()
    assert "Giấy khai sinh" in birth and "Luật Hộ tịch số 60/2014/QH13" in birth
    copy = client.get(reverse("public:procedure-detail", args=[commune_a.code, "2.000908"])).content.decode()
    assert "Ủy ban nhân dân cấp xã" in copy and "8.000" in copy and "mỗi bản" in copy


def test_a_procedure_not_posted_at_that_unit_answers_404(client, commune_a, commune_b, ngoc_ky_postings):
    detail = lambda unit_code, code: client.get(reverse("public:procedure-detail", args=[unit_code, code]))  # noqa: E731
    assert detail(commune_b.code, "1.004227").status_code == 200
    missing = detail(commune_a.code, "1.004227")  # Thị trấn Tứ Kỳ's procedure, not Ngọc Kỳ's
    assert missing.status_code == 404
    assert "Không tìm thấy" in missing.content.decode()
    assert detail(commune_a.code, "9.999999").status_code == 404
    assert detail("00000", "1.001193").status_code == 404
    assert client.get(reverse("public:unit-procedures", args=["00000"])).status_code == 404

    posting_set(unit=commune_a, procedure=ngoc_ky_postings["marriage"], is_active=False)
    assert detail(commune_a.code, "1.000894").status_code == 404

    copy = ngoc_ky_postings["copy"]
    copy.status = ProcedureStatus.ABOLISHED
    procedure_save(procedure=copy)
    assert detail(commune_a.code, "2.000908").status_code == 404
    listed = client.get(reverse("public:unit-procedures", args=[commune_a.code])).content.decode()
    assert "2.000908" not in listed and "1.000894" not in listed and "1.001193" in listed


def test_searching_without_diacritics_finds_the_procedure(client, commune_a, ngoc_ky_postings):
    url = reverse("public:unit-procedures", args=[commune_a.code])
    found = client.get(url, {"q": "dang ky ket hon"})
    assert [p.procedure.code for p in found.context["postings"]] == ["1.000894"]
    assert "Đăng ký khai sinh" not in found.content.decode()
    assert [p.procedure.code for p in client.get(url, {"q": "KHAI SINH"}).context["postings"]] == ["1.001193"]
    assert [p.procedure.code for p in client.get(url, {"q": "2.000908"}).context["postings"]] == ["2.000908"]
    # Another commune's procedure is not found here, whatever the words.
    assert list(client.get(url, {"q": "dat dai"}).context["postings"]) == []


def test_the_procedure_list_costs_the_same_few_queries_for_a_long_list(client, commune_a, django_assert_max_num_queries):
    for n in range(40):
        procedure = make_procedure(
            f"9.{n:06d}", f"Thủ tục thử số {n}", ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Người có công"][n % 4],
            fees=[FeeSpec("Lệ phí", 1000 * n), FeeSpec("Phí", 500)],
            components=[ComponentSpec("Tờ khai", 1, 0), ComponentSpec("Bản sao giấy tờ", 0, 1)],
        )
        posting_set(unit=commune_a, procedure=procedure)
    url = reverse("public:unit-procedures", args=[commune_a.code])
    with django_assert_max_num_queries(5):
        response = client.get(url)
    assert len(response.context["postings"]) == 40
    with django_assert_max_num_queries(5):
        found = client.get(url, {"q": "thu tuc thu so 39"}).context["postings"]
        assert [p.procedure.code for p in found] == ["9.000039"]
    with django_assert_max_num_queries(5):
        assert client.get(reverse("public:procedure-detail", args=[commune_a.code, "9.000007"])).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(reverse("public:unit-index")).status_code == 200


def test_public_pages_may_be_cached_for_five_minutes_and_set_no_cookie(client, commune_a, ngoc_ky_postings):
    for url in [
        reverse("public:unit-index"),
        reverse("public:unit-procedures", args=[commune_a.code]),
        reverse("public:procedure-detail", args=[commune_a.code, "1.001193"]),
    ]:
        response = client.get(url)
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=300"}, url
        assert not response.cookies
    assert client.post(reverse("public:unit-procedures", args=[commune_a.code])).status_code == 405


def test_a_signed_in_officer_gets_the_public_page_as_private(client, commune_a, ngoc_ky_postings, desk_officer_a):
    """The session cookie is set again on every response: no shared cache may keep it."""
    client.force_login(desk_officer_a)
    response = client.get(reverse("public:unit-procedures", args=[commune_a.code]))
    assert response.status_code == 200
    assert {d.strip() for d in response["Cache-Control"].split(",")} == {"private", "max-age=300"}


def test_public_pages_load_only_the_local_stylesheet(client, commune_a, ngoc_ky_postings):
    page = client.get(reverse("public:procedure-detail", args=[commune_a.code, "1.000894"])).content.decode()
    assert re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', page) == []
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', page) == ["/static/css/app.css", "/static/css/public.css"]
