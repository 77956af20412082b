"""The phone an SMS goes to: one normalisation and one pattern (dossiers.selectors), whatever way the
number was written at the desk or in the old software the dossiers were imported from."""
import pytest

from dossiers.selectors import PHONE_PATTERN, normalise_phone, sms_phone


@pytest.mark.parametrize("written", ["0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "84912345678",
                                     "(+84) 912-345-678", " 0912345678 "])
def test_every_way_the_old_software_wrote_a_mobile_number_reaches_the_same_number(written):
    assert sms_phone(written) == "0912345678"


@pytest.mark.parametrize("written", ["", None, "091234567", "09123456789", "1912345678", "an.nguyen@example.vn",
                                     "không có", "+1 202 555 0147"])
def test_what_is_no_vietnamese_phone_number_gets_no_sms(written):
    assert sms_phone(written) is None


def test_the_desk_form_accepts_exactly_what_an_sms_can_be_sent_to():
    from django import forms

    from dossiers.forms import clean_phone

    for written in ("0912.345 678", "+84 912 345 678", "84912345678"):
        assert clean_phone(written) == sms_phone(written) == normalise_phone(written)
        assert PHONE_PATTERN.match(clean_phone(written))
    for written in ("091234567", "1912345678"):
        with pytest.raises(forms.ValidationError):
            clean_phone(written)
        assert sms_phone(written) is None
