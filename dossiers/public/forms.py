"""What a citizen types to open something of theirs without signing in: its code and the last 4 digits of
the phone they gave with it. The dossier lookup, the online rating and a ticket's follow-up ask it with
this one form and compare the digits with ``digits_match`` (constant time, the same work whether or not
the code exists).
"""
from __future__ import annotations

import hmac
import re

from django import forms
from django.utils.translation import gettext_lazy as _

CODE_MAX_LENGTH = 48
NO_DIGITS = "\x00" * 4  # compared against when nothing has the code, so both branches do the same work


class CodeAndDigitsForm(forms.Form):
    """A code (spaces dropped, as a QR reader or a copy from a slip may add them) and the last 4 digits of
    the phone. A subclass names its code (``code_label``) and says what the digits are (``digits_message``)."""

    code_label = _("Dossier code")
    digits_message = _("Enter the last 4 digits of the phone number you gave when you submitted the dossier.")

    code = forms.CharField(max_length=CODE_MAX_LENGTH)
    phone4 = forms.RegexField(label=_("Last 4 digits of your phone number"), regex=r"^\d{4}$")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = self.code_label
        self.fields["phone4"].error_messages["invalid"] = self.digits_message

    def clean_code(self) -> str:
        return re.sub(r"\s+", "", self.cleaned_data["code"])


def last_four_digits(phone: str) -> str:
    """The last 4 digits of a stored phone, whatever its punctuation; ``NO_DIGITS`` when it has fewer."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else NO_DIGITS


def digits_match(stored_phone: str | None, phone4: str) -> bool:
    """Whether ``phone4`` are the last 4 digits of ``stored_phone`` (None: nothing has the code), in
    constant time and with the same work either way."""
    stored = last_four_digits(stored_phone) if stored_phone is not None else NO_DIGITS
    return stored_phone is not None and hmac.compare_digest(stored.encode(), phone4.encode())
