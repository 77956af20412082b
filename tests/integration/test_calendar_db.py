"""The calendar as stored: preloaded holidays, editable, and the due-date page built on it."""
from datetime import date, datetime

import pytest
from django.urls import reverse

from motcua.calendar import VN_TZ
from motcua.models import Holiday, HolidayKind
from motcua.selectors import work_calendar
from motcua.services import holidays_preload
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_migration_preloads_tet_2026_and_the_make_up_saturday():
    tet = Holiday.objects.filter(date__range=(date(2026, 2, 16), date(2026, 2, 20)), kind=HolidayKind.DAY_OFF)
    assert tet.count() == 5
    assert Holiday.objects.get(date=date(2026, 8, 22)).kind == HolidayKind.MAKEUP_WORKING_DAY
    assert Holiday.objects.filter(date__year__range=(2020, 2030)).count() > 100


def test_preloading_again_keeps_an_administrators_edit():
    Holiday.objects.filter(date=date(2026, 2, 16)).update(name="Nghỉ Tết theo quyết định của tỉnh")
    assert holidays_preload(first_year=2026, last_year=2026) == 0
    assert Holiday.objects.get(date=date(2026, 2, 16)).name == "Nghỉ Tết theo quyết định của tỉnh"


def test_the_stored_calendar_skips_tet_2026():
    received = datetime(2026, 2, 13, 10, 0, tzinfo=VN_TZ)  # Friday before Tết
    assert work_calendar().add_working_time(received, days=2) == datetime(2026, 2, 24, 10, 0, tzinfo=VN_TZ)


def test_a_day_off_added_by_an_administrator_counts_at_once():
    friday = datetime(2027, 3, 5, 16, 0, tzinfo=VN_TZ)
    assert work_calendar().add_working_time(friday, days=1) == datetime(2027, 3, 8, 16, 0, tzinfo=VN_TZ)
    Holiday.objects.create(date=date(2027, 3, 8), name="Nghỉ bù", kind=HolidayKind.DAY_OFF)
    assert work_calendar().add_working_time(friday, days=1) == datetime(2027, 3, 9, 16, 0, tzinfo=VN_TZ)


def test_the_calendar_page_computes_a_due_date(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    page = client.get(
        reverse("motcua:working-calendar"), {"received_at": "16/01/2026 16:00", "processing_days": "3"}
    ).content.decode()
    assert "16:00 ngày 21/01/2026" in page  # Friday 16:00 + 3 working days → Wednesday 16:00


def test_the_calendar_page_keeps_what_was_typed_when_it_is_wrong(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    response = client.get(reverse("motcua:working-calendar"), {"received_at": "32/01/2026", "processing_days": "1,5"})
    page = response.content.decode()
    assert 'value="32/01/2026"' in page and 'value="1,5"' in page
    assert 'data-testid="due-result"' not in page
