"""The staff screens of the catalogue: the list and its scope, a procedure's page and history, editing,
posting at a unit, importing a file through a checked preview, and the posting list in Excel and PDF.

The interface is translated by the lead after the fact, so these tests assert on data, codes and line
numbers rather than on sentences whose Vietnamese wording may still change.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from procedures.importing import procedures_import
from procedures.models import Posting, Procedure, ProcedureVersion
from procedures.parsing import ComponentSpec, FeeSpec, format_stages
from procedures.services import field_get_or_create, posting_set, procedure_save, stages_of
from procedures.views import counts_sentence
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
MARRIAGE = "1.000894"
RESIDENCE = "1.004194"
LAND = "1.004227"


# -- personas and catalogue --------------------------------------------------------------------


def make_procedure(code, name, *, field=("HT", "Hộ tịch"), level="commune", days=0, fees=(), components=(), post_at=(), **terms):
    procedure = Procedure(
        code=code,
        name=name,
        field=field_get_or_create(code=field[0], name=field[1]),
        level=level,
        processing_days=Decimal(days),
        **terms,
    )
    procedure_save(procedure=procedure, fees=list(fees), components=list(components), source=ProcedureVersion.Source.IMPORT)
    for unit in post_at:
        posting_set(unit=unit, procedure=procedure)
    return procedure


@pytest.fixture
def catalogue(commune_a, commune_b, district):
    """Commune A posts birth, marriage and residence (police); commune B posts a district land procedure."""
    return {
        BIRTH: make_procedure(
            BIRTH, "Đăng ký khai sinh", days=0, cutoff_applies=True, online_level="full", agency="UBND cấp xã",
            components=[ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0), ComponentSpec("Giấy chứng sinh", 1, 0)],
            post_at=[commune_a],
        ),
        MARRIAGE: make_procedure(
            MARRIAGE, "Đăng ký kết hôn", days=3, online_level="partial", agency="UBND cấp xã",
            fees=[FeeSpec("Lệ phí", 30000)], post_at=[commune_a],
        ),
        RESIDENCE: make_procedure(
            RESIDENCE, "Đăng ký thường trú", field=("CTR", "Cư trú"), days=7, sector="police", agency="Công an xã",
            fees=[FeeSpec("Lệ phí", 20000)], post_at=[commune_a],
        ),
        LAND: make_procedure(
            LAND, "Đăng ký biến động quyền sử dụng đất", field=("DD", "Đất đai"), level="district", days=10,
            agency="Văn phòng đăng ký đất đai", post_at=[commune_b],
        ),
    }


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def codes_on(page: str, codes=(BIRTH, MARRIAGE, RESIDENCE, LAND)) -> set[str]:
    return {code for code in codes if code in page}


def edit_data(procedure: Procedure, **changes) -> dict:
    """What the edit form posts for a procedure, with some values changed."""
    data = {
        "name": procedure.name, "field": procedure.field_id, "level": procedure.level, "sector": procedure.sector,
        "agency": procedure.agency, "processing_days": str(procedure.processing_days.normalize()).replace(".", ","),
        "cutoff_time": procedure.cutoff_time.strftime("%H:%M"), "fee_text": procedure.fee_text,
        "result": procedure.result, "legal_basis": procedure.legal_basis, "online_level": procedure.online_level,
        "interconnected_with": procedure.interconnected_with, "decision_number": procedure.decision_number,
        "decision_date": "", "decision_issuer": procedure.decision_issuer, "status": procedure.status,
        "effective_from": "", "effective_until": "", "replaced_by": "",
        "fees": "\n".join(f"{f.name}: {f.amount:,} đồng".replace(",", ".") for f in procedure.fees.all()),
        "components": "\n".join(f"{c.name} ({c.originals} bản chính, {c.copies} bản sao)" for c in procedure.components.all()),
        "process": "\n".join(format_stages([stage]) for stage in stages_of(procedure)),
    }
    if procedure.cutoff_applies:
        data["cutoff_applies"] = "on"
    if procedure.location_independent:
        data["location_independent"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


# -- the list -----------------------------------------------------------------------------------


def test_the_counts_sentence_reads_like_the_district_report():
    with translation.override("en"):
        sentence = counts_sentence(
            {"total": 340, "province": 0, "district": 269, "commune": 0, "police": 8, "social_insurance": 63,
             "military": 0, "land_registration": 0}
        )
    assert sentence == "340 procedures: 269 district-level, 63 social insurance, 8 police"


def test_a_desk_officer_sees_the_procedures_posted_by_their_commune_and_the_counts(client, desk_officer_a, catalogue):
    response = login(client, desk_officer_a).get(reverse("procedures:procedure-list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert codes_on(page) == {BIRTH, MARRIAGE, RESIDENCE}  # commune B's land procedure is not on A's list
    expected = counts_sentence({"total": 3, "commune": 2, "police": 1})
    assert re.search(r'data-testid="catalogue-counts"><strong>([^<]*)<', page).group(1) == expected
    assert expected.startswith("3") and ": 2 " in expected and ", 1 " in expected


def test_the_whole_catalogue_shows_procedures_no_unit_of_mine_posts(client, focal_a, catalogue):
    page = login(client, focal_a).get(reverse("procedures:procedure-list"), {"scope": "all"}).content.decode()
    assert codes_on(page) == {BIRTH, MARRIAGE, RESIDENCE, LAND}


def test_commune_b_sees_only_its_own_postings(client, officer_b, catalogue):
    page = login(client, officer_b).get(reverse("procedures:procedure-list")).content.decode()
    assert codes_on(page) == {LAND}


def test_the_district_sees_what_every_commune_below_posts(client, district_officer, catalogue):
    page = login(client, district_officer).get(reverse("procedures:procedure-list")).content.decode()
    assert codes_on(page) == {BIRTH, MARRIAGE, RESIDENCE, LAND}


def test_searching_without_diacritics_finds_the_vietnamese_name(client, desk_officer_a, catalogue):
    client = login(client, desk_officer_a)
    page = client.get(reverse("procedures:procedure-list"), {"q": "dang ky khai sinh"}).content.decode()
    assert codes_on(page) == {BIRTH}
    assert "Đăng ký khai sinh" in page
    by_code = client.get(reverse("procedures:procedure-list"), {"q": "1.0041", "scope": "all"}).content.decode()
    assert codes_on(by_code) == {RESIDENCE}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"level": "district"}, {LAND}),
        ({"sector": "police"}, {RESIDENCE}),
        ({"online_level": "full"}, {BIRTH}),
        ({"agency": "đăng ký đất"}, {LAND}),
        ({"status": "in_force", "level": "commune", "sector": "local"}, {BIRTH, MARRIAGE}),
        ({"status": "abolished"}, set()),
    ],
)
def test_the_filters_narrow_the_catalogue(client, focal_a, catalogue, filters, expected):
    page = login(client, focal_a).get(reverse("procedures:procedure-list"), {"scope": "all", **filters}).content.decode()
    assert codes_on(page) == expected


def test_the_field_filter_keeps_one_field(client, focal_a, catalogue):
    field = catalogue[RESIDENCE].field
    page = login(client, focal_a).get(reverse("procedures:procedure-list"), {"field": field.pk}).content.decode()
    assert codes_on(page) == {RESIDENCE}


def test_the_list_costs_the_same_few_queries_for_a_long_catalogue(client, desk_officer_a, commune_a, django_assert_max_num_queries):
    fields = [("HT", "Hộ tịch"), ("CT", "Chứng thực"), ("BTXH", "Bảo trợ xã hội")]
    for n in range(60):
        make_procedure(
            f"2.{n:06d}", f"Thủ tục số {n}", field=fields[n % 3], days=n % 5, fees=[FeeSpec("Lệ phí", 1000 * n)],
            components=[ComponentSpec("Tờ khai")], post_at=[commune_a], sector="police" if n % 7 == 0 else "local",
        )
    client = login(client, desk_officer_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("procedures:procedure-list"), {"scope": "all"})
    assert response.status_code == 200
    first = set(re.findall(r'href="/thu-tuc/(2\.\d{6})/"', response.content.decode()))
    assert len(first) == 50  # a page holds 50 procedures
    second = client.get(reverse("procedures:procedure-list"), {"scope": "all", "page": 2}).content.decode()
    rest = set(re.findall(r'href="/thu-tuc/(2\.\d{6})/"', second))
    assert len(first | rest) == 60 and "scope=all" in second  # the next pages keep the filters


def test_the_catalogue_needs_a_signed_in_staff_member(client, user_without_unit, catalogue):
    assert client.get(reverse("procedures:procedure-list")).status_code == 302
    login(client, user_without_unit)
    # The one answer for an account without a unit (motcua.scope.NoUnit), as on the desk and tickets.
    for url in (reverse("procedures:procedure-list"), reverse("procedures:procedure-detail", args=[BIRTH])):
        response = client.get(url)
        assert response.status_code == 403
        assert "không thuộc đơn vị nào" in response.content.decode()


# -- one procedure ------------------------------------------------------------------------------


def test_the_procedure_page_shows_the_terms_a_desk_officer_needs(client, desk_officer_a, catalogue):
    page = login(client, desk_officer_a).get(reverse("procedures:procedure-detail", args=[MARRIAGE])).content.decode()
    assert "Đăng ký kết hôn" in page and "Hộ tịch" in page and "UBND cấp xã" in page
    assert "30.000 đồng" in page  # the fee written the Vietnamese way
    assert "Xã Ngọc Kỳ" in page  # the posting in the user's subtree
    assert "Thị trấn Tứ Kỳ" not in page
    assert f'href="{reverse("procedures:procedure-edit", args=[MARRIAGE])}"' not in page  # a desk officer cannot edit
    birth = client.get(reverse("procedures:procedure-detail", args=[BIRTH])).content.decode()
    assert "Tờ khai đăng ký khai sinh" in birth and "Giấy chứng sinh" in birth


def test_an_unknown_procedure_answers_404(client, desk_officer_a, catalogue):
    assert login(client, desk_officer_a).get(reverse("procedures:procedure-detail", args=["9.999999"])).status_code == 404


def test_a_focal_officer_edits_a_commune_procedure_and_a_version_records_who(client, focal_a, catalogue):
    marriage = catalogue[MARRIAGE]
    data = edit_data(
        marriage,
        processing_days="5",
        fees="Lệ phí: 8.000 đồng\nPhí: 2.000 đồng (bản sao)",
        components="Tờ khai đăng ký kết hôn (1 bản chính, 0 bản sao)\nGiấy xác nhận tình trạng hôn nhân (1 bản chính, 1 bản sao) [không bắt buộc]",
    )
    response = login(client, focal_a).post(reverse("procedures:procedure-edit", args=[MARRIAGE]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("procedures:procedure-detail", args=[MARRIAGE])
    marriage.refresh_from_db()
    assert marriage.processing_days == 5 and marriage.version == 2
    assert [(f.name, f.amount, f.note) for f in marriage.fees.all()] == [("Lệ phí", 8000, ""), ("Phí", 2000, "bản sao")]
    assert [(c.originals, c.copies, c.required) for c in marriage.components.all()] == [(1, 0, True), (1, 1, False)]
    assert marriage.fee_text == "Lệ phí: 8.000 đồng ; Phí: 2.000 đồng (bản sao)"  # generated wording follows the fees
    latest = marriage.versions.get(number=2)
    assert latest.changed_by == focal_a and latest.source == ProcedureVersion.Source.EDIT
    assert latest.changes["processing_days"] == ["3", "5"]


def test_the_history_shows_each_change_newest_first_with_who_made_it(client, focal_a, catalogue):
    client = login(client, focal_a)
    client.post(reverse("procedures:procedure-edit", args=[MARRIAGE]), edit_data(catalogue[MARRIAGE], processing_days="0,5"))
    page = client.get(reverse("procedures:procedure-detail", args=[MARRIAGE])).content.decode()
    assert page.index('data-testid="version-2"') < page.index('data-testid="version-1"')
    version_2 = page[page.index('data-testid="version-2"'):page.index('data-testid="version-1"')]
    assert "Trần Thị Hoa" in version_2 or "Hoa Trần Thị" in version_2
    assert re.search(r"<td>3</td><td>0,5</td>", version_2)  # before → after, written the Vietnamese way


def test_half_a_day_typed_with_a_dot_or_in_words_is_read_as_working_days(client, focal_a, catalogue):
    client = login(client, focal_a)
    client.post(reverse("procedures:procedure-edit", args=[MARRIAGE]), edit_data(catalogue[MARRIAGE], processing_days="0.5"))
    assert Procedure.objects.get(code=MARRIAGE).processing_days == Decimal("0.5")  # not 5: the dot is no thousands mark here
    client.post(reverse("procedures:procedure-edit", args=[MARRIAGE]), edit_data(catalogue[MARRIAGE], processing_days="Trong ngày"))
    assert Procedure.objects.get(code=MARRIAGE).processing_days == 0
    form = client.get(reverse("procedures:procedure-edit", args=[MARRIAGE])).content.decode()
    assert 'name="processing_days" value="0"' in form


def test_saving_the_form_unchanged_records_no_version(client, focal_a, catalogue):
    marriage = catalogue[MARRIAGE]
    response = login(client, focal_a).post(reverse("procedures:procedure-edit", args=[MARRIAGE]), edit_data(marriage))
    assert response.status_code == 302
    assert marriage.versions.count() == 1


def test_the_internal_process_is_typed_on_the_form_and_recorded_in_a_version(client, focal_a, catalogue):
    """Marriage takes 3 days = 24 working hours: stages adding up to 20 are refused on the field, kept as
    typed, nothing saved; adding up to 24 they are saved as a new version the dossiers will copy."""
    marriage = catalogue[MARRIAGE]
    short = "Tiếp nhận [Bộ phận một cửa] 4 giờ\nThẩm định [Phòng chuyên môn] 12 giờ\nPhê duyệt [Lãnh đạo] 4 giờ"
    response = login(client, focal_a).post(reverse("procedures:procedure-edit", args=[MARRIAGE]),
                                           edit_data(marriage, process=short))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Các bước cộng lại là 20 giờ làm việc" in page and "Thẩm định [Phòng chuyên môn] 12 giờ" in page
    assert marriage.versions.count() == 1
    whole = short.replace("Thẩm định [Phòng chuyên môn] 12 giờ", "Thẩm định [Phòng chuyên môn] 16 giờ")
    assert client.post(reverse("procedures:procedure-edit", args=[MARRIAGE]),
                       edit_data(marriage, process=whole)).status_code == 302
    marriage.refresh_from_db()
    latest = marriage.versions.get(number=2)
    assert [(stage["holder"], stage["hours"]) for stage in latest.terms["stages"]] == [
        ("desk", "4"), ("phong", "16"), ("leader", "4")]
    assert latest.changes["stages"][1].startswith("Tiếp nhận [Bộ phận một cửa] 4 giờ ; Thẩm định")
    detail = client.get(reverse("procedures:procedure-detail", args=[MARRIAGE])).content.decode()
    assert 'id="process"' in detail and "Phê duyệt" in detail


def test_a_bad_fee_line_is_shown_on_the_form_and_keeps_what_was_typed(client, focal_a, catalogue):
    marriage = catalogue[MARRIAGE]
    data = edit_data(marriage, name="Đăng ký kết hôn (sửa)", fees="Lệ phí: theo quy định của HĐND tỉnh")
    response = login(client, focal_a).post(reverse("procedures:procedure-edit", args=[MARRIAGE]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lệ phí: theo quy định của HĐND tỉnh" in page and "Đăng ký kết hôn (sửa)" in page
    assert 'class="field has-error"' in page and 'role="alert"' in page
    marriage.refresh_from_db()
    assert marriage.name == "Đăng ký kết hôn" and marriage.versions.count() == 1


def test_a_commune_focal_officer_cannot_edit_a_district_procedure(client, focal_a, catalogue):
    land = catalogue[LAND]
    client = login(client, focal_a)
    assert client.get(reverse("procedures:procedure-edit", args=[LAND])).status_code == 403
    response = client.post(reverse("procedures:procedure-edit", args=[LAND]), edit_data(land, processing_days="1"))
    assert response.status_code == 403
    land.refresh_from_db()
    assert land.processing_days == 10 and land.versions.count() == 1


def test_the_district_office_edits_a_district_procedure(client, district_officer, catalogue):
    response = login(client, district_officer).post(
        reverse("procedures:procedure-edit", args=[LAND]), edit_data(catalogue[LAND], processing_days="8")
    )
    assert response.status_code == 302
    assert Procedure.objects.get(code=LAND).processing_days == 8


def test_a_desk_officer_cannot_edit_a_procedure(client, desk_officer_a, catalogue):
    client = login(client, desk_officer_a)
    assert client.get(reverse("procedures:procedure-edit", args=[BIRTH])).status_code == 403
    assert client.post(reverse("procedures:procedure-edit", args=[BIRTH]), edit_data(catalogue[BIRTH], name="x")).status_code == 403
    assert Procedure.objects.get(code=BIRTH).name == "Đăng ký khai sinh"


# -- postings -----------------------------------------------------------------------------------


def test_a_focal_officer_posts_a_procedure_at_their_commune_with_its_dates(client, focal_a, commune_a, catalogue):
    client = login(client, focal_a)
    detail = client.get(reverse("procedures:procedure-detail", args=[LAND])).content.decode()
    assert reverse("procedures:posting-edit", args=[LAND]) in detail  # the small form is on the page
    response = client.post(
        reverse("procedures:posting-edit", args=[LAND]),
        {"is_active": "on", "posted_at_desk": "05/01/2026", "posted_on_website": "06/01/2026"},
    )
    assert response.status_code == 302
    posting = Posting.objects.get(unit=commune_a, procedure__code=LAND)
    assert (posting.is_active, posting.posted_at_desk, posting.posted_on_website) == (True, date(2026, 1, 5), date(2026, 1, 6))
    page = client.get(reverse("procedures:procedure-detail", args=[LAND])).content.decode()
    assert "05/01/2026" in page


def test_unposting_keeps_the_row_but_takes_it_off_the_list(client, focal_a, commune_a, catalogue):
    client = login(client, focal_a)
    assert client.post(reverse("procedures:posting-edit", args=[BIRTH]), {"posted_at_desk": ""}).status_code == 302
    assert not Posting.objects.get(unit=commune_a, procedure__code=BIRTH).is_active
    assert codes_on(client.get(reverse("procedures:procedure-list")).content.decode()) == {MARRIAGE, RESIDENCE}


def test_a_bad_posting_date_is_refused(client, focal_a, commune_a, catalogue):
    response = login(client, focal_a).post(
        reverse("procedures:posting-edit", args=[LAND]), {"is_active": "on", "posted_at_desk": "31/02/2026"}
    )
    assert response.status_code == 400
    assert not Posting.objects.filter(unit=commune_a, procedure__code=LAND).exists()


def test_commune_b_cannot_change_the_postings_of_commune_a(client, officer_b, focal_b, commune_a, catalogue):
    for user in (officer_b, focal_b):
        response = login(client, user).post(
            reverse("procedures:posting-edit", args=[BIRTH]), {"unit": commune_a.code, "posted_at_desk": "01/01/2026"}
        )
        assert response.status_code == 404
    posting = Posting.objects.get(unit=commune_a, procedure__code=BIRTH)
    assert posting.is_active and posting.posted_at_desk is None


def test_a_desk_officer_cannot_change_postings(client, desk_officer_a, commune_a, catalogue):
    client = login(client, desk_officer_a)
    assert client.post(reverse("procedures:posting-edit", args=[BIRTH]), {}).status_code == 403
    assert Posting.objects.get(unit=commune_a, procedure__code=BIRTH).is_active
    assert reverse("procedures:posting-edit", args=[BIRTH]) not in client.get(
        reverse("procedures:procedure-detail", args=[BIRTH])
    ).content.decode()


def test_the_district_office_posts_on_behalf_of_a_commune_below(client, district_officer, commune_b, catalogue):
    response = login(client, district_officer).post(
        reverse("procedures:posting-edit", args=[BIRTH]), {"unit": commune_b.code, "is_active": "on"}
    )
    assert response.status_code == 302
    assert Posting.objects.get(unit=commune_b, procedure__code=BIRTH).is_active


# -- import -------------------------------------------------------------------------------------

HEADER = "code,name,field_code,field_name,level,processing_days,fee,online_level\n"
GOOD_FILE = HEADER + (
    "1.001022,Đăng ký khai tử,HT,Hộ tịch,xã,0,Không,toàn trình\n"
    "2.000908,Cấp bản sao trích lục hộ tịch,HT,Hộ tịch,xã,0,Lệ phí: 8.000 đồng,một phần\n"
)
BAD_FILE = HEADER + (
    "1.001022,Đăng ký khai tử,HT,Hộ tịch,xã,0,Không,toàn trình\n"
    "2.000908,Cấp bản sao trích lục hộ tịch,HT,Hộ tịch,thôn,ba ngày,Lệ phí: 8.000 đồng,một phần\n"
)


def upload(client, text: str | bytes, name: str = "danh-muc.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    file = BytesIO(data)
    file.name = name
    return client.post(reverse("procedures:procedure-import"), {"file": file})


def test_the_import_page_documents_the_columns_and_vietnamese_headings(client, focal_a):
    page = login(client, focal_a).get(reverse("procedures:procedure-import")).content.decode()
    for text in ["field_code", "processing_days", "components", "Mã TTHC", "mã thủ tục", "Thời hạn giải quyết", "phí/lệ phí"]:
        assert text in page


def test_a_file_with_a_bad_row_is_previewed_with_its_line_and_nothing_is_written(client, focal_a, catalogue):
    before = Procedure.objects.count()
    response = upload(login(client, focal_a), BAD_FILE)
    assert response.status_code == 200
    page = response.content.decode()
    errors = re.search(r'<ul class="errors" role="alert" data-testid="import-errors">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>\D*?(\d+):", errors) == ["3"]  # "Dòng 3: …" names the line as Excel numbers it
    assert "thôn" in errors and "ba ngày" in errors
    assert errors.lower().count("thời hạn giải quyết") == 1  # the column named once, by its heading
    assert 'name="token"' not in page  # no way to confirm a bad file
    assert Procedure.objects.count() == before


def test_a_good_file_is_previewed_then_imported_and_posted_on_confirmation(client, focal_a, commune_a, catalogue):
    client = login(client, focal_a)
    preview = upload(client, GOOD_FILE)
    page = preview.content.decode()
    assert preview.status_code == 200
    assert re.search(r'data-testid="created">2<', page) and re.search(r'data-testid="updated">0<', page)
    assert "Đăng ký khai tử" in page
    assert not Procedure.objects.filter(code__in=["1.001022", "2.000908"]).exists()  # a dry run only

    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = client.post(reverse("procedures:procedure-import"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("procedures:procedure-list")
    copy = Procedure.objects.get(code="2.000908")
    assert copy.fees.get().amount == 8000 and copy.online_level == "partial"
    assert set(Posting.objects.filter(unit=commune_a, procedure__code__in=["1.001022", "2.000908"]).values_list("is_active", flat=True)) == {True}
    assert copy.versions.get().changed_by == focal_a
    # The checked file is used once.
    again = client.post(reverse("procedures:procedure-import"), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("procedures:procedure-import")


def test_another_user_cannot_confirm_someone_elses_checked_file(client, focal_a, focal_b, catalogue):
    page = upload(login(client, focal_a), GOOD_FILE).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.logout()
    response = login(client, focal_b).post(reverse("procedures:procedure-import"), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("procedures:procedure-import")
    assert not Procedure.objects.filter(code="1.001022").exists()


def test_a_file_that_is_not_a_catalogue_gets_a_clear_message(client, focal_a):
    response = upload(login(client, focal_a), "code,name,level\n1.001193,Khai sinh,xã\n")
    assert response.status_code == 200
    page = response.content.decode()
    assert "field_code" in page and "processing_days" in page and 'class="field has-error"' in page
    assert Procedure.objects.count() == 0


def test_a_file_over_five_megabytes_is_refused_before_reading(client, focal_a):
    big = GOOD_FILE.encode("utf-8") + b"#" * (5 * 1024 * 1024)
    response = upload(login(client, focal_a), big)
    assert response.status_code == 200
    assert "5 MB" in response.content.decode()
    assert Procedure.objects.count() == 0


def test_only_catalogue_editors_may_import(client, desk_officer_a, officer_b):
    for user in (desk_officer_a, officer_b):
        client = login(client, user)
        assert client.get(reverse("procedures:procedure-import")).status_code == 403
        assert upload(client, GOOD_FILE).status_code == 403
    assert Procedure.objects.count() == 0


# -- exports ------------------------------------------------------------------------------------


def workbook_text(content: bytes) -> str:
    sheet = load_workbook(BytesIO(content)).active
    return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)


def test_the_posting_list_in_excel_holds_the_unit_and_its_procedures_by_field(client, desk_officer_a, catalogue):
    response = login(client, desk_officer_a).get(reverse("procedures:posting-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    text = workbook_text(response.content)
    assert "DANH MỤC THỦ TỤC HÀNH CHÍNH" in text and "Niêm yết tại" in text and "xã Ngọc Kỳ" in text  # the desk of today
    assert {BIRTH, MARRIAGE, RESIDENCE} <= set(text.split("\n")) and LAND not in text
    header = [cell.value for cell in sheet[5]]
    assert header == ["STT", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết", "Phí/lệ phí", "Mức độ DVC", "Ngày niêm yết"]
    assert sheet.freeze_panes == "A6"
    rows = [row for row in sheet.iter_rows(min_row=6, values_only=True)]
    birth = next(row for row in rows if row[1] == BIRTH)
    assert birth[4] == "Trong ngày" and birth[6] == "Toàn trình"
    assert any(row[0] and str(row[0]).endswith("Lĩnh vực Cư trú") for row in rows)  # a group row per field


def test_formulas_typed_into_a_name_are_written_as_text(client, focal_a, commune_a):
    make_procedure("9.000001", '=HYPERLINK("http://example.org","bấm vào")', post_at=[commune_a])
    response = login(client, focal_a).get(reverse("procedures:posting-xlsx"))
    names = [row[2] for row in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=6, values_only=True)]
    assert "'=HYPERLINK(\"http://example.org\",\"bấm vào\")" in names


def test_the_posting_list_of_another_commune_answers_404(client, officer_b, commune_a, catalogue):
    client = login(client, officer_b)
    assert client.get(reverse("procedures:posting-xlsx"), {"unit": commune_a.code}).status_code == 404
    assert client.get(reverse("procedures:posting-pdf"), {"unit": commune_a.code}).status_code == 404


def test_the_district_prints_the_list_of_a_commune_below(client, district_officer, commune_b, catalogue):
    response = login(client, district_officer).get(reverse("procedures:posting-xlsx"), {"unit": commune_b.code})
    text = workbook_text(response.content)
    assert "thị trấn Tứ Kỳ" in text and LAND in text and BIRTH not in text


def test_the_posting_list_prints_as_a_pdf_in_the_national_format(client, desk_officer_a, catalogue):
    response = login(client, desk_officer_a).get(reverse("procedures:posting-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "ỦY BAN NHÂN DÂN\nXÃ NGỌC KỲ" in text and "xã Ngọc Kỳ" in text  # the committee issues, its desk posts
    assert BIRTH in text and RESIDENCE in text and LAND not in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "DANH MỤC THỦ TỤC HÀNH CHÍNH" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # A4 landscape


def test_the_pdf_loads_nothing_from_outside():
    from procedures.exports import _refuse_every_url

    with pytest.raises(ValueError):
        _refuse_every_url().fetch("http://example.org/logo.png")


def test_the_catalogue_file_imports_back_without_a_change(client, focal_a, commune_a, catalogue):
    make_procedure(
        "1.003583", "Cấp giấy phép xây dựng nhà ở riêng lẻ", field=("XD", "Xây dựng"), level="district", days=Decimal("0.5"),
        fees=[FeeSpec("Lệ phí", 75000, "đối với nhà ở")], agency="Phòng Kinh tế - Hạ tầng", interconnected_with="province",
        location_independent=True, status="amended", decision_number="123/QĐ-UBND", decision_date=date(2024, 1, 5),
        components=[ComponentSpec("Đơn đề nghị", 1, 0), ComponentSpec("Bản vẽ thiết kế", 2, 1, required=False)],
        result="Giấy phép xây dựng", legal_basis="Luật Xây dựng 2014",
    )
    response = login(client, focal_a).get(reverse("procedures:catalogue-xlsx"), {"scope": "all"})
    assert response.status_code == 200
    header = [cell.value for cell in load_workbook(BytesIO(response.content)).active[1]]
    assert header[:3] == ["Mã TTHC", "Tên TTHC", "Mã lĩnh vực"]
    versions = ProcedureVersion.objects.count()

    report = procedures_import(source=BytesIO(response.content), filename="danh-muc.xlsx", unit=commune_a, user=focal_a)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert ProcedureVersion.objects.count() == versions


def test_the_catalogue_file_follows_the_lists_filters(client, focal_a, catalogue):
    response = login(client, focal_a).get(reverse("procedures:catalogue-xlsx"), {"scope": "all", "level": "district"})
    codes = [row[0] for row in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)]
    assert codes == [LAND]
    default = client.get(reverse("procedures:catalogue-xlsx")).content
    assert set(workbook_text(default).split("\n")) >= {BIRTH, MARRIAGE, RESIDENCE} and LAND not in workbook_text(default)


def test_the_procedure_pages_load_nothing_from_outside(client, focal_a, catalogue):
    client = login(client, focal_a)
    for url in [
        reverse("procedures:procedure-list"),
        reverse("procedures:procedure-detail", args=[BIRTH]),
        reverse("procedures:procedure-edit", args=[BIRTH]),
        reverse("procedures:procedure-import"),
    ]:
        page = client.get(url).content.decode()
        assert re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', page) == [], url


def test_the_nav_leads_every_staff_member_to_the_catalogue(client, desk_officer_a):
    page = login(client, desk_officer_a).get(reverse("motcua:home")).content.decode()
    assert f'href="{reverse("procedures:procedure-list")}"' in page


def test_the_downloaded_template_has_the_vietnamese_headings_and_imports_as_it_is(client, focal_a, commune_a):
    from openpyxl import load_workbook

    client = login(client, focal_a)
    assert reverse("procedures:import-template") in client.get(reverse("procedures:procedure-import")).content.decode()
    template = client.get(reverse("procedures:import-template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(template.content)).active
    headings = [cell.value for cell in sheet[1]]
    assert headings[:6] == ["Mã TTHC", "Tên TTHC", "Mã lĩnh vực", "Lĩnh vực", "Cấp thực hiện", "Thời hạn giải quyết"]
    assert sheet.max_row == 2 and sheet["A2"].value == "1.001193"
    page = upload(client, template.content, "mau-danh-muc-tthc.xlsx").content.decode()
    assert re.search(r'data-testid="created">1<', page), "the template's example row imports without an error"
    assert 'data-testid="import-errors"' not in page


def test_empty_choices_say_choose_not_dashes(client, focal_a, catalogue):
    code = next(iter(catalogue.values())).code if isinstance(catalogue, dict) else catalogue[0].code
    page = login(client, focal_a).get(reverse("procedures:procedure-edit", args=[code])).content.decode()
    assert "---------" not in page
