"""Forms of the yearly review (rà soát, đánh giá TTHC). They read what officers type — days with a
comma (``4,5``), amounts with dots (``8.000``) — and hold no workflow: the rules on a proposal
live in ``procedures.services.review_item_record``."""
from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import ReviewItem
from .parsing import CellError, format_stages, parse_stages

# 8000, 8.000, 8,000, 1.200.000, with or without "đồng" / "đ" / "VND" after it.
_AMOUNT = re.compile(r"(\d{1,3}(?:([.,\s])\d{3})(?:\2\d{3})*|\d+)")
MAX_AMOUNT = 10**15  # a million billion đồng: beyond any fee or saving, within the column
_CURRENCY = re.compile(r"\s*(đồng|đ|vnđ|vnd)\s*$", re.IGNORECASE)


class AmountField(forms.Field):
    """A whole amount in đồng as officers write it: ``8.000``, ``8000``, ``8.000 đồng``."""

    default_error_messages = {"invalid": _("Enter an amount in đồng, for example 8.000.")}
    max_length = 24

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": self.max_length})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return number_format(value, force_grouping=True)
        return value

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        text = _CURRENCY.sub("", str(value).replace("\u00a0", " ").strip()).strip()
        if not text:
            return None
        if len(text) > self.max_length or not _AMOUNT.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        amount = int(re.sub(r"[.,\s]", "", text))
        if amount > MAX_AMOUNT:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


class ReviewItemForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewItem.Decision.choices)
    proposed_days = forms.DecimalField(
        label=_("Proposed processing time (working days)"),
        required=False,
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=2,
        localize=True,
        help_text=_("Leave empty to keep the current time; 0 means the same working day."),
    )
    proposed_fee = AmountField(
        label=_("Proposed fee (đồng)"), required=False, help_text=_("Leave empty to keep the current fee.")
    )
    components_removed = forms.CharField(
        label=_("Dossier components to remove"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, as they are named in the posted procedure."),
    )
    proposed_stages = forms.CharField(
        label=_("Proposed internal process"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Thẩm định [Phòng chuyên môn] 12 giờ"}),
        help_text=_("Shorter stages, one per line as in the catalogue, e.g. “Thẩm định [Phòng chuyên môn] 12 giờ”; "
                    "their hours add up to the proposed (or current) processing time."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a simplification."),
    )
    yearly_saving = AmountField(
        label=_("Estimated yearly saving (đồng)"),
        required=False,
        help_text=_("Compliance cost saved for citizens and organisations per year."),
    )

    @classmethod
    def initial_for(cls, item: ReviewItem) -> dict:
        """The form filled with what was recorded, days written without trailing zeros."""
        return {
            "decision": item.decision,
            "proposed_days": item.proposed_days.normalize() if item.proposed_days is not None else None,
            "proposed_fee": item.proposed_fee,
            "components_removed": item.components_removed,
            "proposed_stages": item.proposed_stages.replace(" ; ", "\n"),
            "reason": item.reason,
            "yearly_saving": item.yearly_saving,
        }

    def clean_proposed_stages(self) -> str:
        """Read like the catalogue reads it, and written back the catalogue's way (the hours are checked
        against the time with the other proposals, by the service)."""
        try:
            return format_stages(parse_stages(self.cleaned_data["proposed_stages"]))
        except CellError as error:
            raise forms.ValidationError(capfirst(str(error)) + ".") from None

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


def current_year() -> int:
    return timezone.localdate().year


class ReviewOpenForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = current_year()

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > current_year() + 1:
            raise forms.ValidationError(_("A review round can be opened for next year at the latest."))
        return year
