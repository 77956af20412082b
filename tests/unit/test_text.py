"""Vietnamese text helpers: search keys and how a staff member's name is written."""
from types import SimpleNamespace

from motcua.text import person_name, search_key


def officer(first_name="", last_name="", username="tuky.motcua"):
    return SimpleNamespace(first_name=first_name, last_name=last_name, username=username)


def test_a_name_is_written_family_name_first_as_on_vietnamese_papers():
    assert person_name(officer(first_name="Lan", last_name="Nguyễn Thị")) == "Nguyễn Thị Lan"


def test_an_officer_without_a_name_is_shown_by_username():
    assert person_name(officer()) == "tuky.motcua"
    assert person_name(officer(first_name="Lan")) == "Lan"
    assert person_name(None) == ""


def test_the_search_key_drops_diacritics_case_and_extra_spaces():
    assert search_key("  ĐẶNG  Thị Ánh ") == "dang thi anh"


def test_a_moment_is_written_hours_first_in_vietnam_time():
    from datetime import datetime, timezone

    from motcua.text import vn_moment

    # 09:05 UTC is 16:05 in Hà Nội; the day follows Vietnam's calendar, not UTC's.
    assert vn_moment(datetime(2026, 1, 21, 9, 5, tzinfo=timezone.utc)) == "16:05 21/01/2026"
    assert vn_moment(datetime(2026, 1, 21, 17, 30, tzinfo=timezone.utc)) == "00:30 22/01/2026"
    assert vn_moment(None) == ""


def test_python_and_templates_write_a_moment_the_same_way():
    """vn_moment (SMS, messages, registers) and the ``vi`` locale's DATETIME_FORMAT (``|date`` in templates)."""
    from datetime import datetime, timezone

    from django.utils.dateformat import format as date_format

    from motcua.calendar import VN_TZ
    from motcua.formats.vi import formats
    from motcua.text import vn_moment

    moment = datetime(2026, 3, 4, 1, 7, tzinfo=timezone.utc)
    assert vn_moment(moment) == date_format(moment.astimezone(VN_TZ), formats.DATETIME_FORMAT) == "08:07 04/03/2026"
