from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import throttling


EMPTY_CHOICE = _("— Choose —")
_DJANGO_EMPTY = "---------"


class EmptyChoiceMixin:
    """A form whose empty choices read "— Chọn —", never Django's "---------" (model forms and model
    choice fields put it there by default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label == _DJANGO_EMPTY:
                    field.empty_label = EMPTY_CHOICE
            elif isinstance(field, forms.ChoiceField):
                field.choices = [(value, EMPTY_CHOICE if label == _DJANGO_EMPTY else label) for value, label in field.choices]


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in that locks a user name from one address after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # Said in the office's words, not Django's stock "%(username)s" sentence.
        "invalid_login": _(
            "The user name or the password is wrong. Check the keyboard's language and Caps Lock, then try again; "
            "after several failures the account is locked from this computer for a while."
        ),
        "inactive": _("This account has been switched off. Ask your administrator."),
        "locked": _(
            "Too many failed sign-in attempts. This account is locked from this computer for "
            "%(minutes)s minutes; ask your administrator if you have forgotten your password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttling.client_address(self.request) if self.request else ""
        if username and throttling.is_locked(username, address):
            raise self._locked_error()
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttling.record_failure(username, address)
                if throttling.is_locked(username, address):
                    raise self._locked_error() from None
            raise
        throttling.clear_failures(username, address)
        return cleaned

    def _locked_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
        )



class DueDateForm(forms.Form):
    """The desk's quick check: when is a dossier received now with N working days due?"""

    received_at = forms.DateTimeField(
        label=_("Received at"),
        help_text=_("Date and time, e.g. 16/01/2026 15:45"),
        widget=forms.DateTimeInput(attrs={"placeholder": "dd/mm/yyyy hh:mm"}),
    )
    processing_days = forms.DecimalField(
        label=_("Processing time (working days)"),
        min_value=Decimal(0),
        max_value=Decimal(365),
        decimal_places=2,
        max_digits=5,
        localize=True,
    )

    def clean_received_at(self):
        # The working calendar covers real years: a date typed far off (9999) is a typing slip, said so.
        moment = self.cleaned_data["received_at"]
        if not 2000 <= moment.year <= 2100:
            raise forms.ValidationError(_("Enter a date between the years 2000 and 2100."), code="out_of_range")
        return moment
