"""Reading catalogue cells as officers type them, and writing them back the same way."""
from datetime import date, time
from decimal import Decimal

import pytest

from motcua.text import search_key
from procedures.parsing import (
    CellError,
    ComponentSpec,
    FeeSpec,
    escape_formula,
    format_components,
    format_fees,
    parse_bool,
    parse_components,
    parse_cutoff,
    parse_date,
    parse_days,
    parse_fees,
    parse_level,
    parse_online_level,
    parse_sector,
)


@pytest.mark.parametrize(
    "text, days",
    [("3", Decimal(3)), ("0.5", Decimal("0.5")), ("0,5", Decimal("0.5")), ("12 ngày làm việc", Decimal(12)),
     ("Trong ngày", Decimal(0)), ("0", Decimal(0)), (" 15 ", Decimal(15))],
)
def test_processing_time_is_read_in_working_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["ba ngày", "-1", "3 tháng", ""])
def test_a_processing_time_that_is_not_a_number_is_refused(text):
    with pytest.raises(CellError):
        parse_days(text)


def test_levels_sectors_and_online_levels_accept_vietnamese_with_or_without_diacritics():
    assert parse_level("Cấp xã") == parse_level("xa") == parse_level("commune") == "commune"
    assert parse_level("Cấp huyện") == "district"
    assert parse_sector("Bảo hiểm xã hội") == parse_sector("BHXH") == "social_insurance"
    assert parse_sector("Công an") == "police" and parse_sector("") == "local"
    assert parse_online_level("Toàn trình") == "full" and parse_online_level("Một phần") == "partial"
    assert parse_online_level("Trực tiếp") == parse_online_level("") == "none"
    with pytest.raises(CellError):
        parse_level("thôn")


def test_the_cut_off_is_a_time_or_nothing():
    assert parse_cutoff("15:00") == parse_cutoff("15h") == parse_cutoff("15h00") == time(15, 0)
    assert parse_cutoff("") is None and parse_cutoff("không") is None
    with pytest.raises(CellError):
        parse_cutoff("25:00")


def test_dates_come_as_officers_and_excel_write_them():
    assert parse_date("05/01/2024") == parse_date("2024-01-05") == parse_date("2024-01-05 00:00:00") == date(2024, 1, 5)
    assert parse_date("") is None
    with pytest.raises(CellError):
        parse_date("31/02/2024")


def test_yes_and_no_in_both_languages():
    assert parse_bool("Có") is True and parse_bool("x") is True and parse_bool("no") is False and parse_bool("") is False
    with pytest.raises(CellError):
        parse_bool("có thể")


def test_fees_are_read_with_their_amounts_in_dong():
    assert parse_fees("Không") == [] and parse_fees("") == [] and parse_fees("Miễn phí") == []


@pytest.mark.parametrize("words", ["Không", "Miễn phí", "Miễn lệ phí", "Không quy định", "KHÔNG QUY ĐỊNH",
                                   "Không thu phí, lệ phí.", "Miễn phí, lệ phí", "Không thu phí và lệ phí"])
def test_the_words_officers_write_for_no_fee_mean_no_fee(words):
    assert parse_fees(words) == []
    assert parse_fees("Lệ phí: 8.000 đồng ; Phí: 2.000 đồng") == [FeeSpec("Lệ phí", 8000), FeeSpec("Phí", 2000)]
    per_copy = parse_fees("10.000 đồng/bản")[0]
    assert (per_copy.amount, per_copy.note) == (10000, "/bản")
    complex_fee = parse_fees("Lệ phí: 2.000 đồng (từ trang thứ 3 trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản)")
    assert complex_fee[0].amount == 2000 and "tối đa 200.000" in complex_fee[0].note
    with pytest.raises(CellError):
        parse_fees("Lệ phí: theo quy định")


def test_components_are_read_with_originals_copies_and_whether_required():
    text = "Tờ khai đăng ký khai sinh (1 bản chính, 0 bản sao) ; Giấy chứng sinh (1 bản chính) ; Văn bản ủy quyền (0 bản chính, 1 bản sao) [không bắt buộc]"
    assert parse_components(text) == [
        ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0, True),
        ComponentSpec("Giấy chứng sinh", 1, 0, True),
        ComponentSpec("Văn bản ủy quyền", 0, 1, False),
    ]
    assert parse_components("Đơn đề nghị") == [ComponentSpec("Đơn đề nghị", 1, 0, True)]


def test_what_is_written_reads_back_the_same():
    fees = [FeeSpec("Lệ phí", 1_500_000, "nộp khi nhận kết quả"), FeeSpec("Phí", 2000)]
    components = [ComponentSpec("Tờ khai (mẫu TK1)", 2, 1, True), ComponentSpec("Bản sao CCCD", 0, 1, False)]
    assert parse_fees(format_fees(fees)) == fees
    assert format_fees(fees).startswith("Lệ phí: 1.500.000 đồng")
    assert parse_components(format_components(components)) == components


def test_formula_cells_are_escaped_on_export():
    assert escape_formula("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert escape_formula("+84 912") == "'+84 912" and escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert escape_formula("Hộ tịch") == "Hộ tịch" and escape_formula(3) == 3


def test_search_ignores_diacritics_and_case():
    assert search_key("  Đăng ký KHAI SINH ") == "dang ky khai sinh"


def test_a_per_page_fee_keeps_its_wording_with_balanced_brackets():
    fee = parse_fees("Lệ phí: 2.000 đồng/trang (từ trang thứ 3 trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản)")[0]
    assert fee.amount == 2000
    assert fee.note == "/trang (từ trang thứ 3 trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản)"
    assert parse_fees(format_fees([fee])) == [fee]
