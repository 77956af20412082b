"""What was posted that year: postings have dates, so a report of a past window counts the catalogue as
it stood on the window's last day (Ngọc Kỳ posted 119 procedures in 2021, 132 in 2022, 138 in 2023),
by level with the vertical-sector procedures at their own level (Tứ Kỳ: district 340 = 269 + 63 social
insurance + 8 police; commune 163 = 137 + 14 military + 12 police)."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation

from motcua.demo import UNITS_FILE
from motcua.models import AdministrativeUnit
from motcua.models import today as local_today
from motcua.periods import parse_period
from motcua.services import units_import
from motcua.tabular import read_rows
from procedures.importing import procedures_import
from procedures.models import Field, Posting, Procedure, ProcedureStatus, Sector
from procedures.services import CatalogueError, field_get_or_create, posting_set
from procedures.views import counts_sentence
from reports.formatters import procedures_sentence
from reports.report import build_report
from tests.factories import PASSWORD, procedure_make

pytestmark = pytest.mark.django_db


def catalogue(prefix: str, count: int, *, level="commune", sector=Sector.LOCAL, field=None) -> list[Procedure]:
    """``count`` procedures of one level and sector (codes ``prefix.000001``…), as an import leaves them."""
    field = field or field_get_or_create(code="HT", name="Hộ tịch")
    return Procedure.objects.bulk_create(
        Procedure(code=f"{prefix}.{n:06d}", name=f"Thủ tục {prefix} số {n}", field=field, level=level, sector=sector,
                  processing_days=3, search_text=f"{prefix}.{n:06d} thu tuc")
        for n in range(1, count + 1)
    )


def post(unit, procedures, since):
    for procedure in procedures:
        posting_set(unit=unit, procedure=procedure, since=since)


def withdraw(unit, procedures, on):
    for procedure in procedures:
        posting_set(unit=unit, procedure=procedure, is_active=False, until=on)


def posted_count(unit, key: str) -> int:
    return build_report(unit, parse_period(key)).procedures["total"]


# -- Ngọc Kỳ's three years ---------------------------------------------------------------------------


@pytest.fixture
def ngoc_ky_history(commune_a):
    """119 posted by the end of 2021, 132 by the end of 2022, 138 by the end of 2023, with procedures
    withdrawn and posted again in between, and one posted only in 2024."""
    first = catalogue("1", 119)
    short_lived = catalogue("2", 4)
    year_2022 = catalogue("3", 11)
    year_2023 = catalogue("4", 6)
    tried, later = catalogue("5", 2)

    post(commune_a, first, date(2021, 3, 1))
    post(commune_a, short_lived, date(2021, 2, 1))
    withdraw(commune_a, short_lived, date(2021, 10, 31))      # gone before the end of 2021
    post(commune_a, year_2022, date(2022, 4, 1))
    post(commune_a, short_lived[:2], date(2022, 5, 1))       # two of them posted again
    withdraw(commune_a, first[:3], date(2022, 7, 15))          # off for the third quarter…
    post(commune_a, first[:3], date(2022, 10, 10))             # …and back before the end of 2022
    post(commune_a, year_2023, date(2023, 2, 1))
    post(commune_a, [tried], date(2023, 3, 1))
    withdraw(commune_a, [tried], date(2023, 9, 30))
    post(commune_a, [later], date(2024, 1, 2))
    return {"first": first, "short_lived": short_lived, "tried": tried, "later": later}


def test_each_years_report_counts_what_was_posted_on_its_last_day(commune_a, district, ngoc_ky_history):
    assert [posted_count(commune_a, year) for year in ("2021", "2022", "2023")] == [119, 132, 138]
    # The third quarter of 2022 ends while three of them were withdrawn.
    assert posted_count(commune_a, "2022-Q3") == 129
    # The district's report counts its communes' postings the same way.
    assert posted_count(district, "2022") == 132


def test_posted_in_on_a_day_gives_the_same_counts(commune_a, ngoc_ky_history):
    def on(day):
        return Procedure.objects.posted_in(commune_a, on=day).count()

    assert [on(date(2021, 12, 31)), on(date(2022, 12, 31)), on(date(2023, 12, 31))] == [119, 132, 138]
    assert on(date(2021, 10, 31)) == 123  # a withdrawal ends the posting on that day, its last day
    assert on(date(2021, 11, 1)) == 119
    assert on(date(2021, 1, 1)) == 0
    # Now: 138, less the one tried in 2023, plus the one posted in 2024.
    assert Procedure.objects.posted_in(commune_a).count() == 139
    assert ngoc_ky_history["tried"] not in Procedure.objects.posted_in(commune_a)


def test_the_history_rows_are_kept_one_per_stretch(commune_a, ngoc_ky_history):
    again = ngoc_ky_history["first"][0]
    rows = list(Posting.objects.filter(unit=commune_a, procedure=again).order_by("valid_from")
                .values_list("valid_from", "valid_to", "is_active"))
    assert rows == [(date(2021, 3, 1), date(2022, 7, 15), False), (date(2022, 10, 10), None, True)]
    never_again = ngoc_ky_history["short_lived"][3]
    assert list(Posting.objects.filter(unit=commune_a, procedure=never_again).values_list("valid_from", "valid_to")) == [
        (date(2021, 2, 1), date(2021, 10, 31))]


def test_a_past_report_counts_the_catalogue_in_force_that_day(commune_a):
    """A procedure abolished since counts in the windows it was in force; one not yet effective does not."""
    abolished = procedure_make("1.000001", "Thủ tục đã bãi bỏ", status=ProcedureStatus.ABOLISHED,
                               effective_until=date(2022, 6, 30))
    coming = procedure_make("1.000002", "Thủ tục có hiệu lực từ 2023", effective_from=date(2023, 1, 1))
    post(commune_a, [abolished], date(2021, 1, 4))
    post(commune_a, [coming], date(2022, 12, 15))
    assert posted_count(commune_a, "2021") == 1
    assert posted_count(commune_a, "2022") == 0
    assert posted_count(commune_a, "2023") == 1
    assert list(Procedure.objects.posted_in(commune_a).in_force()) == [coming]
    assert list(Procedure.objects.posted_in(commune_a, on=date(2021, 12, 31)).in_force()) == [abolished]


def test_a_procedure_is_in_force_on_its_first_and_its_last_day_as_a_unit_is():
    """The interval of Procedure.objects.in_force(on) is motcua.models.in_force_q's: both ends inclusive."""
    bounded = procedure_make("1.000003", "Thủ tục có thời hạn", status=ProcedureStatus.ABOLISHED,
                             effective_from=date(2023, 1, 1), effective_until=date(2023, 12, 31))
    open_ended = procedure_make("1.000004", "Thủ tục không thời hạn")
    in_force_on = lambda day: set(Procedure.objects.in_force(day))  # noqa: E731
    assert in_force_on(date(2022, 12, 31)) == {open_ended}
    assert in_force_on(date(2023, 1, 1)) == in_force_on(date(2023, 12, 31)) == {bounded, open_ended}
    assert in_force_on(date(2024, 1, 1)) == {open_ended}
    assert set(Procedure.objects.in_force()) == {open_ended}  # today: by status only


# -- the seeds' shape by level -----------------------------------------------------------------------


def test_counts_go_by_level_with_the_vertical_sectors_at_their_own_level(district, commune_a, commune_b):
    since = date(2024, 1, 1)
    district_list = (catalogue("2", 269, level="district") + catalogue("6", 63, level="district", sector=Sector.SOCIAL_INSURANCE)
                     + catalogue("7", 8, level="district", sector=Sector.POLICE))
    commune_list = (catalogue("1", 137) + catalogue("8", 14, sector=Sector.MILITARY)
                    + catalogue("9", 12, sector=Sector.POLICE))
    postings = [Posting(unit=district, procedure=p, valid_from=since) for p in district_list]
    postings += [Posting(unit=commune_a, procedure=p, valid_from=since) for p in commune_list]
    postings += [Posting(unit=commune_b, procedure=p, valid_from=since) for p in commune_list[:50]]  # counted once
    Posting.objects.bulk_create(postings)

    at_district = build_report(district, parse_period("2024")).procedures
    assert at_district["by_level"] == {
        "district": {"total": 340, "local": 269, "social_insurance": 63, "police": 8, "military": 0, "land_registration": 0},
        "commune": {"total": 163, "local": 137, "social_insurance": 0, "police": 12, "military": 14, "land_registration": 0},
    }
    assert at_district["total"] == 340 + 163
    with translation.override("en"):  # the district's list says it the same way
        assert counts_sentence(at_district) == (
            "503 procedures: 340 at the district level, vertical sectors included (269 district-level, "
            "63 social insurance, 8 police); 163 at the commune level, vertical sectors included (137 commune-level, "
            "14 military, 12 police)")

    at_commune = build_report(commune_a, parse_period("2024")).procedures
    assert at_commune["by_level"] == {
        "commune": {"total": 163, "local": 137, "social_insurance": 0, "police": 12, "military": 14, "land_registration": 0}}
    assert procedures_sentence(at_commune) == ("Tổng số TTHC đang thực hiện: 163 thủ tục, trong đó: cấp xã 137, "
                                               "Quân sự 14, Công an 12.")
    # Before any of it was posted, nothing.
    assert build_report(district, parse_period("2023")).procedures["by_level"] == {}


# -- posting and withdrawing -----------------------------------------------------------------------------


@pytest.fixture
def birth(commune_a):
    return procedure_make("1.001193", "Thủ tục đăng ký khai sinh")


def rows(unit, procedure):
    return list(Posting.objects.filter(unit=unit, procedure=procedure).order_by("pk").values_list("valid_from", "valid_to"))


def test_withdrawing_ends_the_posting_that_day_and_posting_again_opens_a_new_one(commune_a, birth):
    posting_set(unit=commune_a, procedure=birth, since=date(2026, 1, 5), posted_at_desk=date(2026, 1, 5))
    withdrawn = posting_set(unit=commune_a, procedure=birth, is_active=False, until=date(2026, 3, 31))
    assert not withdrawn.is_active and withdrawn.valid_to == date(2026, 3, 31)
    again = posting_set(unit=commune_a, procedure=birth, since=date(2026, 6, 1))
    assert again.is_active and again.pk != withdrawn.pk
    assert rows(commune_a, birth) == [(date(2026, 1, 5), date(2026, 3, 31)), (date(2026, 6, 1), None)]
    # Saving the posting in force again changes its dates, not its stretch.
    posting_set(unit=commune_a, procedure=birth, posted_at_desk=date(2026, 6, 2))
    assert rows(commune_a, birth)[-1] == (date(2026, 6, 1), None)


def test_a_withdrawal_undone_reopens_the_posting(commune_a, birth):
    posting_set(unit=commune_a, procedure=birth, since=date(2026, 1, 5))
    posting_set(unit=commune_a, procedure=birth, is_active=False)  # today
    posting_set(unit=commune_a, procedure=birth)                    # today again: the withdrawal undone
    assert rows(commune_a, birth) == [(date(2026, 1, 5), None)]


def test_days_that_would_overlap_or_lie_ahead_are_refused_and_change_nothing(commune_a, birth):
    posting_set(unit=commune_a, procedure=birth, since=date(2026, 1, 5))
    posting_set(unit=commune_a, procedure=birth, is_active=False, until=date(2026, 3, 31))
    before = rows(commune_a, birth)
    with pytest.raises(CatalogueError):
        posting_set(unit=commune_a, procedure=birth, since=date(2025, 12, 1))  # before the last stretch
    with pytest.raises(CatalogueError):
        posting_set(unit=commune_a, procedure=birth, since=local_today() + timedelta(days=1))
    posting_set(unit=commune_a, procedure=birth, since=date(2026, 5, 1))
    with pytest.raises(CatalogueError):
        posting_set(unit=commune_a, procedure=birth, is_active=False, until=date(2026, 4, 30))  # before it started
    with pytest.raises(CatalogueError):
        posting_set(unit=commune_a, procedure=birth, since=date(2026, 3, 1))  # inside the ended stretch's days
    assert rows(commune_a, birth) == [*before, (date(2026, 5, 1), None)]
    # Nothing posted, nothing to withdraw.
    other = procedure_make("1.000894", "Thủ tục đăng ký kết hôn")
    assert posting_set(unit=commune_a, procedure=other, is_active=False) is None
    assert not Posting.objects.filter(procedure=other).exists()


def test_a_day_ahead_is_refused_in_the_same_words_by_the_form_the_import_and_the_service(client, commune_a, focal_a, birth):
    """One rule, one wording (motcua.models.after_today): the posting form, the catalogue import, posting_set."""
    from motcua.models import after_today

    ahead = local_today() + timedelta(days=2)
    said = after_today(ahead)
    assert said and ahead.strftime("%d/%m/%Y") in said and local_today().strftime("%d/%m/%Y") in said
    assert after_today(local_today()) is None and after_today(None) is None

    with pytest.raises(CatalogueError) as refused:
        posting_set(unit=commune_a, procedure=birth, since=ahead)
    assert str(refused.value) == said

    client.login(username=focal_a.username, password=PASSWORD)
    form = client.post(reverse("procedures:posting-edit", args=[birth.code]),
                       {"is_active": "on", "valid_from": ahead.strftime("%d/%m/%Y")}).context["posting_form"]
    assert form.errors["valid_from"] == [said]

    header = "code,name,field_code,field_name,level,processing_days,Ngày niêm yết\n"
    report = procedures_import(source=BytesIO((header + f"1.004194,Đăng ký thường trú,CTR,Cư trú,xã,7,{ahead:%d/%m/%Y}\n").encode()),
                               filename="danh-muc.csv", unit=commune_a)
    assert not report.ok and said in report.errors[0]
    assert not Posting.objects.filter(unit=commune_a).exists()


def test_the_screens_record_the_days_and_show_them_dd_mm_yyyy(client, commune_a, focal_a, birth):
    client.login(username=focal_a.username, password=PASSWORD)
    url = reverse("procedures:posting-edit", args=[birth.code])
    assert client.post(url, {"is_active": "on", "valid_from": "05/01/2026", "posted_at_desk": "06/01/2026"}).status_code == 302
    listed = client.get(reverse("procedures:procedure-list")).content.decode()
    assert "05/01/2026" in listed
    assert client.post(url, {"valid_to": "31/03/2026"}).status_code == 302
    assert client.post(url, {"is_active": "on", "valid_from": "01/06/2026"}).status_code == 302
    assert rows(commune_a, birth) == [(date(2026, 1, 5), date(2026, 3, 31)), (date(2026, 6, 1), None)]
    detail = client.get(reverse("procedures:procedure-detail", args=[birth.code])).content.decode()
    assert "05/01/2026" in detail and "31/03/2026" in detail and "01/06/2026" in detail

    # A withdrawal before the posting started: a clear message, nothing changed, the typed day kept.
    refused = client.post(url, {"valid_to": "15/05/2026"})
    assert refused.status_code == 400
    assert "01/06/2026" in refused.context["posting_form"].non_field_errors()[0]
    assert 'value="15/05/2026"' in refused.content.decode()
    ahead = client.post(url, {"is_active": "on", "valid_from": (local_today() + timedelta(days=3)).strftime("%d/%m/%Y")})
    assert ahead.status_code == 400 and ahead.context["posting_form"].errors["valid_from"]
    assert rows(commune_a, birth) == [(date(2026, 1, 5), date(2026, 3, 31)), (date(2026, 6, 1), None)]


def test_the_catalogue_import_posts_from_the_files_day_or_the_import_day(commune_a):
    header = "code,name,field_code,field_name,level,processing_days,Ngày niêm yết\n"
    text = header + "1.001193,Thủ tục đăng ký khai sinh,HT,Hộ tịch,xã,0,15/03/2021\n1.000894,Đăng ký kết hôn,HT,Hộ tịch,xã,3,\n"
    report = procedures_import(source=BytesIO(text.encode()), filename="danh-muc.csv", unit=commune_a)
    assert report.ok, report.errors
    dated = Posting.objects.get(unit=commune_a, procedure__code="1.001193")
    assert (dated.valid_from, dated.posted_at_desk, dated.valid_to) == (date(2021, 3, 15), date(2021, 3, 15), None)
    assert Posting.objects.get(unit=commune_a, procedure__code="1.000894").valid_from == local_today()
    # Imported again: the postings in force are left as they are.
    assert procedures_import(source=BytesIO(text.encode()), filename="danh-muc.csv", unit=commune_a).ok
    assert Posting.objects.filter(unit=commune_a).count() == 2
    # A day after today names its line and writes nothing.
    ahead = (local_today() + timedelta(days=2)).strftime("%d/%m/%Y")
    bad = header + f"1.004194,Đăng ký thường trú,CTR,Cư trú,xã,7,{ahead}\n"
    report = procedures_import(source=BytesIO(bad.encode()), filename="danh-muc.csv", unit=commune_a)
    assert not report.ok and report.errors[0].startswith("Dòng 2") and ahead in report.errors[0]
    assert not Procedure.objects.filter(code="1.004194").exists()
    assert Field.objects.filter(code="CTR").count() == 0


# -- units that end --------------------------------------------------------------------------------------


def test_the_postings_of_a_merged_unit_end_on_its_last_day(db):
    units_import(rows=read_rows(UNITS_FILE.parent / "units-tu-ky-2023.csv"))
    ngoc_ky = AdministrativeUnit.objects.by_key("11089")
    procedures = catalogue("1", 3)
    post(ngoc_ky, procedures, date(2023, 1, 3))
    withdraw(ngoc_ky, procedures[:1], date(2024, 6, 30))

    units_import(rows=read_rows(UNITS_FILE.parent / "units-tu-ky-2024-12.csv"), effective=date(2024, 12, 1))
    ngoc_ky.refresh_from_db()
    assert ngoc_ky.valid_to == date(2024, 11, 30)
    # Kept as history, ended on its last day (the one withdrawn before keeps its own day).
    assert sorted(Posting.objects.filter(unit=ngoc_ky).values_list("valid_to", flat=True)) == [
        date(2024, 6, 30), date(2024, 11, 30), date(2024, 11, 30)]
    assert posted_count(ngoc_ky, "2024-Q3") == 2
    assert posted_count(ngoc_ky, "2023") == 3
    ky_son = AdministrativeUnit.objects.by_key("11098")
    assert not Procedure.objects.posted_in(ky_son).exists()  # the successor posts its own list
    assert not Procedure.objects.posted_in(ngoc_ky).exists()
    tu_ky = AdministrativeUnit.objects.by_key("298")
    assert posted_count(tu_ky, "2024-Q3") == 2 and posted_count(tu_ky, "2024") == 0


# -- the migration -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_dates_the_postings_already_there(district, commune_a, commune_b):
    """Handled rows start on their desk day (none when there is none or it lies ahead) and go on; rows
    switched off end the day before the migration; the rows of a unit that had ended end on its last day."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("procedures", "0002_catalogue_import")], [("procedures", "0003_posting_dates")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        OldPosting, OldProcedure = apps.get_model("procedures", "Posting"), apps.get_model("procedures", "Procedure")
        field = apps.get_model("procedures", "Field").objects.create(code="HT", name="Hộ tịch")
        made = [OldProcedure.objects.create(code=f"1.00000{n}", name=f"Thủ tục {n}", field=field, level="commune",
                                            processing_days=1) for n in range(5)]
        ahead = local_today() + timedelta(days=30)
        AdministrativeUnit.objects.filter(pk=commune_b.pk).update(valid_to=date(2024, 11, 30))
        OldPosting.objects.create(unit_id=commune_a.pk, procedure=made[0], posted_at_desk=date(2021, 3, 1), is_active=True)
        OldPosting.objects.create(unit_id=commune_a.pk, procedure=made[1], posted_at_desk=ahead, is_active=True)
        OldPosting.objects.create(unit_id=commune_a.pk, procedure=made[2], posted_at_desk=date(2021, 3, 1), is_active=False)
        OldPosting.objects.create(unit_id=commune_a.pk, procedure=made[3], is_active=True)
        OldPosting.objects.create(unit_id=commune_b.pk, procedure=made[4], posted_at_desk=date(2022, 1, 3), is_active=True)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:  # every app back at its latest migration, whatever happened
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    dated = {p.procedure.code: (p.valid_from, p.valid_to, p.is_active)
             for p in Posting.objects.select_related("procedure")}
    yesterday = local_today() - timedelta(days=1)
    assert dated == {
        "1.000000": (date(2021, 3, 1), None, True),
        "1.000001": (None, None, True),
        "1.000002": (date(2021, 3, 1), yesterday, False),
        "1.000003": (None, None, True),
        "1.000004": (date(2022, 1, 3), date(2024, 11, 30), False),
    }
