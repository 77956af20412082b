"""Lists of units in Vietnamese alphabetical order, sorted by PostgreSQL (ICU collation "vi"): Đại Hợp comes
after Dân Chủ and before Văn Tố, where the byte order puts every "Đ" after "V"."""
import pytest
from django.urls import reverse

from motcua.db import VietnameseOrder
from motcua.periods import parse_period
from reports.figures import compute_figures
from tests.factories import PASSWORD, UnitFactory

pytestmark = pytest.mark.django_db

NAMES = ["Xã Văn Tố", "Xã Đại Hợp", "Xã Dân Chủ", "Xã An Thanh", "Xã Ẩn Danh", "Xã Ấp Bắc"]
IN_ORDER = ["Xã An Thanh", "Xã Ẩn Danh", "Xã Ấp Bắc", "Xã Dân Chủ", "Xã Đại Hợp", "Xã Văn Tố"]


@pytest.fixture
def district():
    district = UnitFactory(code="298", name="Huyện Tứ Kỳ", level="district")
    for number, name in enumerate(NAMES):
        UnitFactory(code=f"111{number:02d}", name=name, level="commune", parent=district)
    return district


def test_the_database_sorts_names_in_vietnamese_order(district):
    names = list(district.children.order_by(VietnameseOrder("name")).values_list("name", flat=True))
    assert names == IN_ORDER
    assert sorted(NAMES) != IN_ORDER  # the byte order a Python sort gives is not it


def test_the_report_rows_follow_vietnamese_order(district):
    rows = [row["unit_name"] for row in compute_figures(district, parse_period("2026")).by_unit]
    assert rows == IN_ORDER


def test_the_units_below_on_a_unit_page_follow_vietnamese_order(district, client, district_office):
    client.login(username=district_office.username, password=PASSWORD)
    page = client.get(reverse("motcua:unit-detail", args=[district_office.membership.unit.key])).content.decode()
    positions = [page.find(name) for name in IN_ORDER if name in page]
    assert positions == sorted(positions)
