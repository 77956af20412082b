"""The yearly review (rà soát, đánh giá TTHC): a commune's focal officer opens the round, proposes
simplifications and submits; the district reads every commune's round and downloads the overview."""
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motcua.models import UnitLevel
from procedures.models import Procedure, ReviewItem, ReviewRound
from procedures.parsing import FeeSpec
from procedures.selectors import review_totals, rounds_with_totals
from procedures.services import field_get_or_create, posting_set, procedure_save, review_open

pytestmark = pytest.mark.django_db

YEAR = 2024


def make_procedure(code, name, field_name="Hộ tịch", *, days, fee=0) -> Procedure:
    field = field_get_or_create(code=f"LV-{field_name}", name=field_name)
    procedure = Procedure(code=code, name=name, field=field, level=UnitLevel.COMMUNE, processing_days=Decimal(days))
    procedure_save(procedure=procedure, fees=[FeeSpec("Lệ phí", fee)] if fee else [])
    return procedure


@pytest.fixture
def ngoc_ky_catalogue(commune_a, commune_b):
    """Four procedures posted by Ngọc Kỳ, one withdrawn, one posted by Thị trấn Tứ Kỳ only."""
    posted = [
        make_procedure("1.001193", "Đăng ký khai sinh", days=5),
        make_procedure("1.000894", "Đăng ký kết hôn", days=7, fee=10000),
        make_procedure("2.000908", "Cấp bản sao từ sổ gốc", "Chứng thực", days=3),
        make_procedure("1.001022", "Đăng ký khai tử", days=2),
    ]
    for procedure in posted:
        posting_set(unit=commune_a, procedure=procedure)
    withdrawn = make_procedure("1.004746", "Thủ tục đã thôi tiếp nhận", days=4)
    posting_set(unit=commune_a, procedure=withdrawn, is_active=False)
    elsewhere = make_procedure("1.004227", "Đăng ký đất đai lần đầu", "Đất đai", days=30)
    posting_set(unit=commune_b, procedure=elsewhere)
    return {p.code: p for p in posted}


@pytest.fixture
def round_a(commune_a, focal_a, ngoc_ky_catalogue):
    return review_open(unit=commune_a, year=YEAR, by=focal_a)


def item_of(round_: ReviewRound, code: str) -> ReviewItem:
    return round_.items.get(procedure__code=code)


def simplify(client, round_, code, **fields):
    item = item_of(round_, code)
    data = {"decision": "simplify", "proposed_days": "", "proposed_fee": "", "components_removed": "", "reason": "",
            "yearly_saving": "", "proposed_stages": "", **fields}
    return client.post(reverse("reviews:item-edit", args=[round_.pk, item.pk]), data)


def test_opening_a_round_lists_every_procedure_the_commune_posts(client, focal_a, commune_a, ngoc_ky_catalogue):
    client.force_login(focal_a)
    response = client.post(reverse("reviews:round-open"), {"year": str(YEAR)})
    round_ = ReviewRound.objects.get(unit=commune_a, year=YEAR)
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:round-detail", args=[round_.pk])
    assert round_.status == ReviewRound.Status.OPEN and round_.opened_by == focal_a
    assert sorted(round_.items.values_list("procedure__code", flat=True)) == ["1.000894", "1.001022", "1.001193", "2.000908"]
    marriage = item_of(round_, "1.000894")
    assert (marriage.current_days, marriage.current_fee, marriage.decision) == (Decimal(7), 10000, ReviewItem.Decision.KEEP)

    page = client.get(response["Location"]).content.decode()
    for code in ["1.001193", "1.000894", "2.000908", "1.001022"]:
        assert code in page
    assert "1.004746" not in page and "1.004227" not in page
    assert reverse("reviews:item-edit", args=[round_.pk, marriage.pk]) in page

    # Opening the same year again keeps the round as it is.
    client.post(reverse("reviews:round-open"), {"year": str(YEAR)})
    assert ReviewRound.objects.filter(unit=commune_a).count() == 1


def test_the_round_list_offers_the_focal_officer_to_open_this_years_round(client, focal_a, desk_officer_a, commune_a):
    from django.utils import timezone

    client.force_login(focal_a)
    form = client.get(reverse("reviews:round-list")).context["open_form"]
    assert form["year"].value() == timezone.localdate().year

    client.force_login(desk_officer_a)
    assert client.get(reverse("reviews:round-list")).context["open_form"] is None
    assert client.post(reverse("reviews:round-open"), {"year": str(YEAR)}).status_code == 403
    assert not ReviewRound.objects.exists()


def test_an_impossible_year_is_refused_on_the_list_page(client, focal_a):
    client.force_login(focal_a)
    response = client.post(reverse("reviews:round-open"), {"year": "3024"})
    assert response.status_code == 200
    assert response.context["open_form"].errors["year"]
    assert not ReviewRound.objects.exists()


def test_simplifying_three_procedures_by_six_working_days_gives_the_binh_son_totals(client, focal_a, round_a):
    """Bình Sơn: shorten 3 procedures by 6 working days in total, and lower one fee."""
    client.force_login(focal_a)
    assert simplify(client, round_a, "1.001193", proposed_days="3", reason="Liên thông điện tử với cơ sở dữ liệu dân cư").status_code == 302
    assert simplify(
        client, round_a, "1.000894", proposed_days="5", proposed_fee="8.000", yearly_saving="12.500.000",
        reason="Rút ngắn thời gian xác minh; giảm lệ phí",
    ).status_code == 302
    assert simplify(client, round_a, "2.000908", proposed_days="1", reason="Khai thác sổ gốc điện tử").status_code == 302
    client.post(
        reverse("reviews:item-edit", args=[round_a.pk, item_of(round_a, "1.001022").pk]), {"decision": "keep"}
    )

    marriage = item_of(round_a, "1.000894")
    assert (marriage.proposed_days, marriage.proposed_fee, marriage.yearly_saving) == (Decimal(5), 8000, 12500000)
    assert marriage.reviewed_by == focal_a

    totals = review_totals(ReviewRound.objects.filter(pk=round_a.pk))
    assert (totals["items"], totals["reviewed"], totals["proposals"]) == (4, 4, 3)
    assert (totals["shortened"], totals["days_shortened"]) == (3, Decimal(6))
    assert (totals["fee_lowered"], totals["fee_cut"], totals["yearly_saving"]) == (1, 2000, 12500000)

    listed = client.get(reverse("reviews:round-list"), {"year": YEAR})
    assert listed.context["totals"] == totals
    (row,) = listed.context["rounds"]
    assert (row.item_count, row.proposal_count, row.days_shortened, row.fee_cut) == (4, 3, Decimal(6), 2000)
    page = listed.content.decode()
    assert "Xã Ngọc Kỳ" in page and "12.500.000" in page


def test_the_per_round_figures_agree_with_review_totals(round_a, focal_a):
    from procedures.services import review_item_record

    review_item_record(item=item_of(round_a, "1.000894"), decision="simplify", by=focal_a,
                       proposed_days=Decimal("6.5"), proposed_fee=9000, reason="Giảm")
    (row,) = rounds_with_totals(ReviewRound.objects.filter(pk=round_a.pk))
    totals = review_totals(ReviewRound.objects.filter(pk=round_a.pk))
    assert {
        "items": row.item_count, "reviewed": row.reviewed_count, "proposals": row.proposal_count,
        "shortened": row.shortened_count, "days_shortened": row.days_shortened, "fee_lowered": row.fee_lowered_count,
        "fee_cut": row.fee_cut, "yearly_saving": row.yearly_saving,
    } == totals


def test_days_with_a_comma_and_fees_with_dots_are_read_the_vietnamese_way(client, focal_a, round_a):
    client.force_login(focal_a)
    response = simplify(client, round_a, "1.000894", proposed_days="4,5", proposed_fee="8.000 đồng", reason="Giảm")
    assert response.status_code == 302
    marriage = item_of(round_a, "1.000894")
    assert (marriage.proposed_days, marriage.proposed_fee) == (Decimal("4.5"), 8000)
    # The form shows it back as it was typed.
    page = client.get(reverse("reviews:item-edit", args=[round_a.pk, marriage.pk])).content.decode()
    assert 'value="4,5"' in page and 'value="8.000"' in page


def test_a_longer_proposed_time_is_refused_and_the_typed_values_stay(client, focal_a, round_a):
    client.force_login(focal_a)
    response = simplify(client, round_a, "1.001193", proposed_days="12,5", reason="Lý do đã gõ")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    page = response.content.decode()
    assert 'value="12,5"' in page and "Lý do đã gõ" in page
    birth = item_of(round_a, "1.001193")
    assert (birth.decision, birth.proposed_days, birth.reviewed_at) == (ReviewItem.Decision.KEEP, None, None)


def test_a_simplification_without_a_reason_is_refused_and_the_typed_values_stay(client, focal_a, round_a):
    client.force_login(focal_a)
    response = simplify(client, round_a, "1.000894", proposed_days="6", proposed_fee="9.000", components_removed="Bản sao sổ hộ khẩu")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    page = response.content.decode()
    assert 'value="6"' in page and 'value="9.000"' in page and "Bản sao sổ hộ khẩu" in page
    assert item_of(round_a, "1.000894").reviewed_at is None


def test_a_fee_that_is_not_an_amount_is_a_field_error(client, focal_a, round_a):
    client.force_login(focal_a)
    response = simplify(client, round_a, "1.000894", proposed_fee="tám nghìn", reason="Giảm")
    assert response.status_code == 200
    assert response.context["form"].errors["proposed_fee"]
    assert "tám nghìn" in response.content.decode()


def test_the_district_sees_commune_rounds_but_gets_403_editing_them(client, district_officer, round_a):
    client.force_login(district_officer)
    listed = client.get(reverse("reviews:round-list"), {"year": YEAR})
    assert [r.unit.name for r in listed.context["rounds"]] == ["Xã Ngọc Kỳ"]
    assert listed.context["open_form"] is not None  # for the district's own round

    detail = client.get(reverse("reviews:round-detail", args=[round_a.pk]))
    assert detail.status_code == 200 and detail.context["can_change"] is False
    item = item_of(round_a, "1.001193")
    assert reverse("reviews:item-edit", args=[round_a.pk, item.pk]) not in detail.content.decode()
    assert client.get(reverse("reviews:item-edit", args=[round_a.pk, item.pk])).status_code == 403
    assert simplify(client, round_a, "1.001193", proposed_days="1", reason="Cấp huyện sửa").status_code == 403
    assert client.post(reverse("reviews:round-submit", args=[round_a.pk])).status_code == 403
    round_a.refresh_from_db()
    assert round_a.status == ReviewRound.Status.OPEN
    assert item_of(round_a, "1.001193").reviewed_at is None
    assert client.get(reverse("reviews:round-xlsx", args=[round_a.pk])).status_code == 200


def test_commune_b_gets_404_on_commune_a_round(client, officer_b, round_a):
    client.force_login(officer_b)
    item = item_of(round_a, "1.001193")
    for url in [
        reverse("reviews:round-detail", args=[round_a.pk]),
        reverse("reviews:item-edit", args=[round_a.pk, item.pk]),
        reverse("reviews:round-xlsx", args=[round_a.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Xã Ngọc Kỳ" not in response.content.decode()
    assert client.post(reverse("reviews:round-submit", args=[round_a.pk])).status_code == 404
    assert list(client.get(reverse("reviews:round-list"), {"year": YEAR}).context["rounds"]) == []
    overview = load_workbook(BytesIO(client.get(reverse("reviews:overview-xlsx"), {"year": YEAR}).content)).active
    assert "Xã Ngọc Kỳ" not in [cell for row in overview.iter_rows(values_only=True) for cell in row]


def test_an_item_of_another_round_answers_404(client, focal_a, commune_a, round_a):
    other = review_open(unit=commune_a, year=YEAR - 1, by=focal_a)
    client.force_login(focal_a)
    foreign_item = item_of(other, "1.001193")
    assert client.get(reverse("reviews:item-edit", args=[round_a.pk, foreign_item.pk])).status_code == 404


def test_a_submitted_round_can_no_longer_change(client, focal_a, round_a):
    client.force_login(focal_a)
    simplify(client, round_a, "1.001193", proposed_days="3", reason="Liên thông")
    response = client.post(reverse("reviews:round-submit", args=[round_a.pk]))
    assert response.status_code == 302
    round_a.refresh_from_db()
    assert round_a.status == ReviewRound.Status.SUBMITTED and round_a.submitted_by == focal_a

    item = item_of(round_a, "1.001193")
    edit_url = reverse("reviews:item-edit", args=[round_a.pk, item.pk])
    shown = client.get(edit_url)
    assert shown.status_code == 200 and shown.context["read_only"] is True
    assert all(field.disabled for field in shown.context["form"].fields.values())
    assert simplify(client, round_a, "1.001193", proposed_days="1", reason="Sửa sau khi gửi").status_code == 403
    assert item_of(round_a, "1.001193").proposed_days == Decimal(3)
    detail = client.get(reverse("reviews:round-detail", args=[round_a.pk]))
    assert detail.context["can_change"] is False and edit_url not in detail.content.decode()
    client.post(reverse("reviews:round-submit", args=[round_a.pk]))
    round_a.refresh_from_db()
    assert round_a.status == ReviewRound.Status.SUBMITTED


def test_the_review_form_in_excel_names_the_unit_the_codes_and_the_totals(client, focal_a, round_a):
    client.force_login(focal_a)
    simplify(client, round_a, "1.001193", proposed_days="3", reason="=HYPERLINK(\"http://x\")")
    simplify(client, round_a, "1.000894", proposed_days="5", proposed_fee="8.000", reason="Giảm lệ phí")
    simplify(client, round_a, "2.000908", proposed_days="1", reason="Sổ gốc điện tử")

    response = client.get(reverse("reviews:round-xlsx", args=[round_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "ra-soat-tthc-11089-2024.xlsx" in response["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "BIỂU RÀ SOÁT, ĐÁNH GIÁ THỦ TỤC HÀNH CHÍNH NĂM 2024"
    assert "Xã Ngọc Kỳ" in rows[1][0]
    header = rows.index(next(r for r in rows if r[0] == "STT"))
    assert rows[header] == (
        "STT", "Mã TTHC", "Tên TTHC", "Thời hạn hiện hành", "Phí hiện hành", "Đề xuất (giữ nguyên / đơn giản hóa)",
        "Thời hạn đề xuất", "Phí đề xuất", "Thành phần hồ sơ cắt giảm", "Lý do", "Chi phí tiết kiệm/năm",
        "Quy trình nội bộ đề xuất",
    )
    body = rows[header + 1: header + 5]
    assert sorted(r[1] for r in body) == ["1.000894", "1.001022", "1.001193", "2.000908"]
    marriage = next(r for r in body if r[1] == "1.000894")
    assert (marriage[3], marriage[4], marriage[5], marriage[6], marriage[7]) == (7, 10000, "Đơn giản hóa", 5, 8000)
    birth = next(r for r in body if r[1] == "1.001193")
    assert birth[9] == "'=HYPERLINK(\"http://x\")"  # a typed formula stays text
    totals = rows[header + 5]
    assert (totals[2], totals[5], totals[6], totals[7]) == ("Tổng cộng", 3, 6, 2000)
    assert "cắt giảm 6 ngày làm việc" in rows[header + 7][0]


def test_the_district_overview_has_one_row_per_unit_with_its_rounds_totals(client, district_officer, focal_a, round_a, commune_b):
    client.force_login(focal_a)
    simplify(client, round_a, "1.001193", proposed_days="3", reason="Liên thông")
    simplify(client, round_a, "1.000894", proposed_days="3", reason="Rút ngắn")
    client.force_login(district_officer)
    response = client.get(reverse("reviews:overview-xlsx"), {"year": YEAR})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "TỔNG HỢP KẾT QUẢ RÀ SOÁT, ĐÁNH GIÁ THỦ TỤC HÀNH CHÍNH NĂM 2024"
    by_code = {r[1]: r for r in rows if r[1] in {"298", "11089", "11074"}}
    assert set(by_code) == {"298", "11089", "11074"}
    assert by_code["11089"][2:9] == ("Xã Ngọc Kỳ", "Đang rà soát", 4, 2, 2, 6, 0)
    assert by_code["11074"][3] == "Chưa mở đợt rà soát" and by_code["11074"][4] is None
    totals = next(r for r in rows if r[2] == "Tổng cộng")
    assert (totals[4], totals[5], totals[7]) == (4, 2, 6)


def test_the_round_list_costs_a_fixed_number_of_queries(client, district, district_officer, django_assert_max_num_queries):
    from tests.factories import UnitFactory

    procedures = [make_procedure(f"9.{n:06d}", f"Thủ tục {n}", days=5) for n in range(5)]
    for n in range(15):
        commune = UnitFactory(code=f"2{n:04d}", level="commune", parent=district)
        for procedure in procedures:
            posting_set(unit=commune, procedure=procedure)
        review_open(unit=commune, year=YEAR, by=district_officer)
    client.force_login(district_officer)
    # Session, user, membership, years, totals, rounds with their figures; then the session is saved (3).
    with django_assert_max_num_queries(9):
        response = client.get(reverse("reviews:round-list"), {"year": YEAR})
    assert len(response.context["rounds"]) == 15
    assert response.context["totals"]["items"] == 75


def test_the_review_link_is_in_the_menu_of_focal_officers_not_desk_officers(client, focal_a, desk_officer_a):
    client.force_login(focal_a)
    assert f'href="{reverse("reviews:round-list")}"' in client.get(reverse("motcua:home")).content.decode()
    client.force_login(desk_officer_a)
    assert f'href="{reverse("reviews:round-list")}"' not in client.get(reverse("motcua:home")).content.decode()


def test_the_yearly_review_proposes_shorter_stages_of_the_internal_process(client, focal_a, round_a):
    """Marriage (7 days = 56 hours) checked by the commune's officer in 40 hours: the review proposes 5 days
    with the check cut to 24 hours; stages that do not add up to the proposed time are refused, kept as typed."""
    client.force_login(focal_a)
    wrong = simplify(client, round_a, "1.000894", proposed_days="5", reason="Rút ngắn thẩm định",
                     proposed_stages="Tiếp nhận [Bộ phận một cửa] 8 giờ\nThẩm định [Phòng chuyên môn] 40 giờ")
    assert wrong.status_code == 200 and "48" in str(wrong.context["form"].non_field_errors())
    assert "Thẩm định [Phòng chuyên môn] 40 giờ" in wrong.content.decode()
    assert item_of(round_a, "1.000894").reviewed_at is None
    response = simplify(client, round_a, "1.000894", proposed_days="5", reason="Rút ngắn thẩm định",
                        proposed_stages="Tiếp nhận [Bộ phận một cửa] 8 giờ\nThẩm định [Phòng chuyên môn] 24 giờ\n"
                                        "Phê duyệt [Lãnh đạo] 8 giờ")
    assert response.status_code == 302
    item = item_of(round_a, "1.000894")
    assert item.proposed_stages == ("Tiếp nhận [Bộ phận một cửa] 8 giờ ; Thẩm định [Phòng chuyên môn] 24 giờ ; "
                                    "Phê duyệt [Lãnh đạo] 8 giờ")
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(client.get(reverse("reviews:round-xlsx", args=[round_a.pk])).content))
    cells = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert item.proposed_stages in cells
