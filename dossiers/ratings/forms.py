"""Forms of the satisfaction screens: the counter tablet, the online rating, the paper forms typed in
by staff, the tablets' registration and the figures' window. They validate and normalise; the views
call dossiers/ratings/services.py."""
from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.forms import EmptyChoiceMixin
from motcua.models import AdministrativeUnit

from dossiers.models import Dossier, RatingCriterion, RatingLevel
from dossiers.public.views import CODE_MAX_LENGTH, LookupForm
from dossiers.ratings.support import dossier_of_unit

COMMENT_MAX_LENGTH = 2000
DATE_HELP = _("dd/mm/yyyy")


def criterion_field_name(criterion: str) -> str:
    return f"criterion_{criterion}"


class CriteriaForm(forms.Form):
    """The overall level, the optional evaluation criteria (each at one of the three levels) and a comment."""

    level = forms.ChoiceField(
        label=_("Overall"), choices=RatingLevel.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose a level of satisfaction."), "invalid_choice": _("Choose a level of satisfaction.")},
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion, label in RatingCriterion.choices:
            self.fields[criterion_field_name(criterion)] = forms.ChoiceField(
                label=label, required=False, choices=RatingLevel.choices, widget=forms.RadioSelect,
            )

    def criteria_fields(self) -> list[forms.BoundField]:
        return [self[criterion_field_name(criterion)] for criterion in RatingCriterion.values]

    def criteria(self) -> dict[str, str]:
        """Criterion → level, for the criteria that were rated."""
        data = self.cleaned_data
        return {
            criterion: data[criterion_field_name(criterion)]
            for criterion in RatingCriterion.values
            if data.get(criterion_field_name(criterion))
        }


class KioskRatingForm(CriteriaForm):
    """The counter tablet: the level comes from the big button tapped; the dossier code is optional and,
    when it is not a dossier of the tablet's unit, simply ignored (the tablet tells nothing about codes)."""

    dossier_code = forms.CharField(
        label=_("Dossier code (optional)"), required=False, max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(self, *args, unit: AdministrativeUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def dossier(self) -> Dossier | None:
        return dossier_of_unit(self.unit, self.cleaned_data.get("dossier_code", ""))


class OnlineCheckForm(LookupForm):
    """The dossier code and the last 4 digits of the phone: the same fields as the public lookup."""


class OnlineRatingForm(CriteriaForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].label = _("How satisfied are you overall?")


class PaperRatingForm(CriteriaForm):
    """A paper form typed in by staff: its date, and the dossier code when the citizen wrote one."""

    rated_on = forms.DateField(
        label=_("Date of the form"), help_text=DATE_HELP,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"}),
    )
    dossier_code = forms.CharField(
        label=_("Dossier code"), required=False, max_length=CODE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_order = ["rated_on", "dossier_code", "level"]

    def __init__(self, *args, unit: AdministrativeUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["level"].widget.attrs["class"] = "levels"

    def clean_rated_on(self):
        day = self.cleaned_data["rated_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of the form cannot be in the future."), code="future")
        return day

    def clean_dossier_code(self) -> Dossier | None:
        code = self.cleaned_data["dossier_code"].strip()
        if not code:
            return None
        dossier = dossier_of_unit(self.unit, code)
        if dossier is None:
            raise forms.ValidationError(
                _("No dossier with the code “%(code)s” was received by %(unit)s."),
                code="unknown", params={"code": code, "unit": self.unit.name},
            )
        return dossier


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeUnit) -> str:
        return f"{obj.name} ({obj.code})"


class KioskRegisterForm(EmptyChoiceMixin, forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=AdministrativeUnit.objects.none(), to_field_name="code")
    name = forms.CharField(
        label=_("Desk"), max_length=120, help_text=_("Where the tablet stands, e.g. “Quầy 1”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, unit: AdministrativeUnit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("unit", unit.code)
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit.subtree().order_by("path")

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class WindowForm(forms.Form):
    """The figures' window, ``from`` / ``to`` (dd/mm/yyyy), both days included; an end left empty
    takes the default window's (the current reporting quarter)."""

    def __init__(self, data, *, default: tuple[date, date]):
        data = data.copy()
        for name, day in zip(("from", "to"), default):
            if not (data.get(name) or "").strip():
                data[name] = day.strftime("%d/%m/%Y")
        super().__init__(data)
        self.default = default
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"}),
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            raise forms.ValidationError(_("The window ends before it starts."), code="order")
        return data

    def window(self) -> tuple[date, date]:
        """The window asked for, or the default one while what was typed is not valid."""
        if self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        return self.default
