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
