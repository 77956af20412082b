"""What a document prints about its issuer, its desk and its legal basis on its own date (motcua.documents):
no database, units built in memory as the versions a dossier or a report refers to."""
from __future__ import annotations

import io
import re
import tokenize
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest

from motcua.documents import (
    FORMS, LEGAL_BASES, ONE_STOP, REPORTING, TOPICS, agency_heading, committee_name, committee_short, desk_heading,
    desk_name, desk_title, forms_basis, heading_lines, issuing_body, legal_basis, official_date, place_and_date,
    place_name, running_name, superior,
)
from motcua.models import AdministrativeUnit, Agency, AgencyKind

BEFORE = date(2024, 5, 6)  # a Monday of the three tiers
TWO_TIERS = date(2025, 7, 1)  # Nghị định 118/2025/NĐ-CP in force; districts gone
AFTER = date(2026, 1, 16)


def unit(name, level="commune", *, pk=None, parent=None, desk="", valid_from=None, valid_to=None, kind=""):
    return AdministrativeUnit(pk=pk, name=name, level=level, kind=kind, parent=parent, desk_name=desk,
                              valid_from=valid_from, valid_to=valid_to)


HAI_DUONG = unit("Tỉnh Hải Dương", "province", pk=30)
TU_KY_DISTRICT = unit("Huyện Tứ Kỳ", "district", pk=298, parent=HAI_DUONG)
NGOC_KY = unit("Xã Ngọc Kỳ", pk=11089, parent=TU_KY_DISTRICT, valid_to=date(2024, 11, 30))
TOWNSHIP = unit("Thị trấn Tứ Kỳ", pk=11074, parent=TU_KY_DISTRICT, valid_to=date(2025, 6, 30))
HAI_PHONG = unit("Thành phố Hải Phòng", "province", pk=31, valid_from=TWO_TIERS)
XA_TU_KY = unit("Xã Tứ Kỳ", pk=110740, parent=HAI_PHONG, valid_from=TWO_TIERS)


# -- the heading (Nghị định 30/2020, Phụ lục I) ------------------------------------------------------------


@pytest.mark.parametrize(("name", "level", "second_line"), [
    ("Xã Tứ Kỳ", "commune", "XÃ TỨ KỲ"),
    ("Thị trấn Tứ Kỳ", "commune", "THỊ TRẤN TỨ KỲ"),
    ("Phường Lê Thanh Nghị", "commune", "PHƯỜNG LÊ THANH NGHỊ"),
    ("Đặc khu Bạch Long Vĩ", "commune", "ĐẶC KHU BẠCH LONG VĨ"),
    ("Huyện Tứ Kỳ", "district", "HUYỆN TỨ KỲ"),
    ("Tỉnh Hải Dương", "province", "TỈNH HẢI DƯƠNG"),
    ("Thành phố Hải Phòng", "province", "THÀNH PHỐ HẢI PHÒNG"),
])
def test_a_peoples_committee_issues_under_its_own_name_in_capitals_without_a_superior(name, level, second_line):
    heading = issuing_body(unit(name, level, parent=HAI_DUONG))
    assert heading.superior == ""
    assert heading.lines == ("ỦY BAN NHÂN DÂN", second_line)


def test_capitals_come_out_right_from_a_name_stored_decomposed():
    decomposed = unit(unicodedata.normalize("NFD", "Xã Tứ Kỳ"))
    assert issuing_body(decomposed).lines == ("ỦY BAN NHÂN DÂN", "XÃ TỨ KỲ")  # composed, every letter capital
    assert committee_short(decomposed) == "UBND xã Tứ Kỳ"


def test_the_desk_heads_its_forms_under_its_committee_by_the_forms_date():
    assert desk_heading(TOWNSHIP, BEFORE).lines == ("UBND THỊ TRẤN TỨ KỲ", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
    assert desk_heading(XA_TU_KY, AFTER).lines == ("UBND XÃ TỨ KỲ", "TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG")
    # Its superior line is the committee, not bold; the body is the desk, without the unit's name again.
    assert desk_heading(XA_TU_KY, AFTER).superior == "UBND XÃ TỨ KỲ"


def test_a_desk_with_a_name_of_its_own_is_headed_by_that_name():
    centre = unit("Xã Tứ Kỳ", desk="Trung tâm Phục vụ hành chính công xã Tứ Kỳ", valid_from=TWO_TIERS)
    one_stop = unit("Xã Ngọc Kỳ", desk="Bộ phận Một cửa")
    assert " ".join(desk_heading(centre, AFTER).body) == "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    assert desk_heading(one_stop, BEFORE).lines == ("UBND XÃ NGỌC KỲ", "BỘ PHẬN MỘT CỬA")


def test_a_body_too_long_for_one_line_is_set_on_two_of_about_equal_length():
    assert heading_lines("Bộ phận Tiếp nhận và Trả kết quả") == ("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",)
    assert heading_lines("Trung tâm Phục vụ hành chính công") == ("TRUNG TÂM PHỤC VỤ", "HÀNH CHÍNH CÔNG")
    assert heading_lines("Văn phòng đăng ký đất đai – Chi nhánh Tứ Kỳ") == (
        "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", "– CHI NHÁNH TỨ KỲ")


def test_a_specialised_office_is_headed_under_its_committee():
    justice = Agency(unit=TU_KY_DISTRICT, name="Phòng Tư pháp", kind=AgencyKind.SPECIALISED_OFFICE)
    assert agency_heading(justice).lines == ("UBND HUYỆN TỨ KỲ", "PHÒNG TƯ PHÁP")


def test_a_unit_that_ended_keeps_the_superior_it_had():
    assert superior(NGOC_KY) is TU_KY_DISTRICT
    assert superior(XA_TU_KY) is HAI_PHONG
    assert superior(HAI_PHONG) is None


# -- running text ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "level", "full", "short"), [
    ("Xã Ngọc Kỳ", "commune", "Ủy ban nhân dân xã Ngọc Kỳ", "UBND xã Ngọc Kỳ"),
    ("Thị trấn Tứ Kỳ", "commune", "Ủy ban nhân dân thị trấn Tứ Kỳ", "UBND thị trấn Tứ Kỳ"),
    ("Phường Hải Tân", "commune", "Ủy ban nhân dân phường Hải Tân", "UBND phường Hải Tân"),
    ("Huyện Tứ Kỳ", "district", "Ủy ban nhân dân huyện Tứ Kỳ", "UBND huyện Tứ Kỳ"),
    ("Tỉnh Hải Dương", "province", "Ủy ban nhân dân tỉnh Hải Dương", "UBND tỉnh Hải Dương"),
    ("Thành phố Hải Phòng", "province", "Ủy ban nhân dân thành phố Hải Phòng", "UBND thành phố Hải Phòng"),
    ("XÃ NGỌC KỲ", "commune", "Ủy ban nhân dân xã NGỌC KỲ", "UBND xã NGỌC KỲ"),  # the kind word whatever its case
])
def test_running_text_writes_the_kind_of_unit_in_lower_case(name, level, full, short):
    assert committee_name(unit(name, level)) == full
    assert committee_short(unit(name, level)) == short
    assert "UBND Xã" not in committee_short(unit(name, level))


def test_a_name_without_its_kind_takes_the_kind_of_the_unit():
    assert running_name(unit("Ngọc Kỳ", kind="xa")) == "xã Ngọc Kỳ"
    assert running_name(unit("Hải Phòng", "province", kind="thanh_pho_tw")) == "thành phố Hải Phòng"
    assert running_name(unit("Tứ Kỳ", "district")) == "huyện Tứ Kỳ"


def test_the_place_and_date_line_names_the_place_without_its_kind():
    assert place_and_date(NGOC_KY, date(2026, 1, 16)) == "Ngọc Kỳ, ngày 16 tháng 01 năm 2026"
    assert place_and_date(HAI_PHONG, date(2026, 3, 5)) == "Hải Phòng, ngày 05 tháng 3 năm 2026"
    assert place_name(unit("Phường 1", kind="phuong")) == "Phường 1"  # a unit named by a number keeps its kind


@pytest.mark.parametrize(("day", "words"), [
    (date(2023, 1, 5), "ngày 05 tháng 01 năm 2023"),
    (date(2023, 2, 17), "ngày 17 tháng 02 năm 2023"),
    (date(2023, 3, 9), "ngày 09 tháng 3 năm 2023"),
    (date(2022, 12, 14), "ngày 14 tháng 12 năm 2022"),
])
def test_the_official_date_takes_a_leading_zero_for_small_days_and_the_first_two_months(day, words):
    assert official_date(day) == words


# -- the desk's name ---------------------------------------------------------------------------------------


def test_before_the_two_tiers_every_desk_is_the_reception_and_results_desk():
    for u in (NGOC_KY, TOWNSHIP, TU_KY_DISTRICT, HAI_DUONG):
        assert desk_name(u, BEFORE) == "Bộ phận Tiếp nhận và Trả kết quả"
    assert desk_name(TOWNSHIP, TWO_TIERS - timedelta(days=1)) == "Bộ phận Tiếp nhận và Trả kết quả"


@pytest.mark.parametrize(("name", "level", "centre"), [
    ("Xã Tứ Kỳ", "commune", "Trung tâm Phục vụ hành chính công xã Tứ Kỳ"),
    ("Phường Hải Tân", "commune", "Trung tâm Phục vụ hành chính công phường Hải Tân"),
    ("Đặc khu Bạch Long Vĩ", "commune", "Trung tâm Phục vụ hành chính công đặc khu Bạch Long Vĩ"),
    ("Thành phố Hải Phòng", "province", "Trung tâm Phục vụ hành chính công thành phố Hải Phòng"),
    ("Tỉnh Quảng Ngãi", "province", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi"),
])
def test_from_the_two_tiers_a_commune_or_a_province_has_a_public_administration_centre(name, level, centre):
    assert desk_name(unit(name, level, valid_from=TWO_TIERS), TWO_TIERS) == centre


def test_a_desk_name_of_the_unit_is_printed_whatever_the_date():
    one_stop = unit("Xã Ngọc Kỳ", desk="Bộ phận Một cửa")
    assert desk_name(one_stop, BEFORE) == desk_name(one_stop, AFTER) == "Bộ phận Một cửa"


def test_a_unit_that_ended_before_the_two_tiers_keeps_the_desk_of_its_days():
    """A 2024 dossier of Thị trấn Tứ Kỳ reprinted in 2026 still names the desk it was received at."""
    assert desk_name(TOWNSHIP, AFTER) == "Bộ phận Tiếp nhận và Trả kết quả"


def test_running_text_names_the_desk_with_its_unit_once():
    assert desk_title(TOWNSHIP, BEFORE) == "Bộ phận Tiếp nhận và Trả kết quả UBND thị trấn Tứ Kỳ"
    assert desk_title(XA_TU_KY, AFTER) == "Trung tâm Phục vụ hành chính công xã Tứ Kỳ"
    assert desk_title(unit("Xã Ngọc Kỳ", desk="Bộ phận Một cửa"), BEFORE) == "Bộ phận Một cửa UBND xã Ngọc Kỳ"


# -- the legal bases ------------------------------------------------------------------------------------


def test_the_one_stop_decree_is_118_2025_from_the_first_of_july_2025():
    assert legal_basis(ONE_STOP, date(2025, 6, 30)).number == "61/2018/NĐ-CP"
    decree = legal_basis(ONE_STOP, TWO_TIERS)
    assert decree.number == "118/2025/NĐ-CP"
    assert decree.reference == "Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ"
    assert decree.citation.endswith("theo cơ chế một cửa, một cửa liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công "
                                    "quốc gia")


def test_the_2018_decree_is_cited_with_its_2021_amendment_once_that_is_in_force():
    assert legal_basis(ONE_STOP, date(2021, 6, 1)).reference == "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ"
    assert legal_basis(ONE_STOP, BEFORE).reference == (
        "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ (được sửa đổi, bổ sung bởi Nghị định số "
        "107/2021/NĐ-CP ngày 06/12/2021)"
    )


def test_the_forms_circular_of_each_date():
    assert legal_basis(FORMS, BEFORE).reference == "Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ"
    assert legal_basis(FORMS, AFTER).short == "Thông tư số 03/2025/TT-VPCP"


def test_the_reporting_regime_is_the_2020_circular_before_and_after_the_two_tiers():
    for day in (BEFORE, AFTER):
        assert legal_basis(REPORTING, day).reference == "Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ"


def test_every_topic_has_exactly_one_instrument_on_every_day():
    day = date(2018, 1, 1)
    while day <= date(2030, 12, 31):
        for topic in TOPICS:
            assert sum(b.topic == topic and b.in_force_on(day) for b in LEGAL_BASES) == 1, (topic, day)
        day += timedelta(days=1)


def test_an_unknown_topic_is_an_error_not_a_blank():
    with pytest.raises(LookupError):
        legal_basis("fees", AFTER)


def test_a_printed_form_names_the_decree_and_the_circular_of_its_date():
    assert forms_basis(BEFORE) == (
        "Biểu mẫu thực hiện theo Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ (được sửa đổi, bổ sung bởi "
        "Nghị định số 107/2021/NĐ-CP ngày 06/12/2021) và Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng "
        "Chính phủ."
    )
    assert forms_basis(AFTER) == ("Biểu mẫu thực hiện theo Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ và "
                                  "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025 của Văn phòng Chính phủ.")


# -- one place ----------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = re.compile(r"\d{1,3}/20\d\d/(NĐ-CP|TT-VPCP)")
COMMITTEE_OF_A_NAME = re.compile(r"(UBND|Ủy ban nhân dân) \{[^}]*\.name")
OUTSIDE_THE_PORTAL = ("reports/bench/", "/migrations/", "/demo.py", "motcua/documents.py")
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_START", tokenize.STRING)}  # f-strings apart from 3.12


def _printed_python_strings(text: str) -> list[tuple[int, str]]:
    """The string literals of a module that are not docstrings (a docstring stands alone as a statement)."""
    found, previous = [], tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in STRING_TOKENS and previous not in (
            tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL
        ):
            found.append((token.start[0], token.line))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return found


def test_legal_instruments_and_committee_names_are_written_only_in_motcua_documents():
    """The forms and reports take their legal basis from the one table, never from their own text."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S)
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in INSTRUMENT.finditer(text)]
    for app in ("motcua", "procedures", "dossiers", "reports"):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if any(part in relative for part in OUTSIDE_THE_PORTAL):
                continue
            for number, line in _printed_python_strings(path.read_text(encoding="utf-8")):
                if INSTRUMENT.search(line) or COMMITTEE_OF_A_NAME.search(line):
                    offenders.append(f"{relative}:{number}")
    assert offenders == []
