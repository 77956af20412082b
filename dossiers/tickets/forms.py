"""Forms of the feedback tickets: the public form, the staff entry form, one small form per step,
and the figures' filter. They validate and normalise; the views call the services.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit, Agency
from motcua.periods import quarter_containing
from procedures.models import Procedure

from dossiers.public import antispam
from dossiers.public.forms import CodeAndDigitsForm
from dossiers.forms import AgencyField, clean_phone
from dossiers.models import Dossier, FeedbackTicket, TicketChannel, TicketClass
from dossiers.printing.register import PeriodForm, _date_field

CONTENT_MIN, CONTENT_MAX = 20, 5000
ANSWER_MAX = 10000
CODE_MAX = 48
# One message whether no dossier has the code or another unit's dossier has it: the public form
# must not tell which codes exist.
DOSSIER_NOT_HERE = _("No dossier of the chosen unit has this code. Check the code on your receipt slip, or leave it empty.")


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def _code(value: str) -> str:
    return re.sub(r"\s+", "", value or "")


def grouped_unit_choices(units: list[AdministrativeUnit], empty_label) -> list:
    """Choices grouped by parent unit (optgroups); units whose parent is not listed come first."""
    names = {unit.pk: unit.name for unit in units}
    top, groups = [], {}
    for unit in units:
        if unit.parent_id in names:
            groups.setdefault(unit.parent_id, []).append((unit.code, unit.name))
        else:
            top.append((unit.code, unit.name))
    return [("", empty_label), *top, *[(names[parent], members) for parent, members in groups.items()]]


class _TicketFields(forms.Form):
    """Who sends what about which procedure or dossier; the unit is resolved by the subclass."""

    sender_name = forms.CharField(label=_("Full name"), max_length=200)
    sender_contact = forms.CharField(
        label=_("Phone or e-mail"), max_length=200,
        help_text=_("So that the unit can reach you about your feedback; never published."),
    )
    sender_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    content = forms.CharField(
        label=_("Content of the feedback"), min_length=CONTENT_MIN, max_length=CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": CONTENT_MAX}),
        help_text=_("From 20 to 5,000 characters: what happened, where and when, and what you propose."),
    )
    procedure_code = forms.CharField(
        label=_("Procedure code (optional)"), max_length=40, required=False,
        help_text=_("The code of the administrative procedure as posted, e.g. 1.001193."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    dossier_code = forms.CharField(
        label=_("Dossier code (optional)"), max_length=CODE_MAX, required=False,
        help_text=_("The code on your receipt and appointment slip, if the feedback is about a dossier."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def chosen_unit(self) -> AdministrativeUnit | None:
        raise NotImplementedError

    def clean_sender_name(self) -> str:
        return _nfc(self.cleaned_data["sender_name"])

    def clean_sender_address(self) -> str:
        return _nfc(self.cleaned_data["sender_address"])

    def clean_content(self) -> str:
        return _nfc(self.cleaned_data["content"])

    def clean(self):
        cleaned = super().clean()
        unit = self.chosen_unit()
        cleaned["procedure"] = cleaned["dossier"] = None
        if unit is None:
            return cleaned
        procedure_code = _code(cleaned.get("procedure_code", ""))
        if procedure_code:
            procedure = Procedure.objects.posted_in(unit).filter(code=procedure_code).first()
            if procedure is None:
                self.add_error("procedure_code", _("No procedure with this code is posted at the chosen unit."))
            cleaned["procedure"] = procedure
        dossier_code = _code(cleaned.get("dossier_code", ""))
        if dossier_code and not self.errors:
            # Looked up only when everything else is valid, so that a form refused for another field says
            # nothing about the code; then one message whether no dossier has it or another unit's has.
            # One query whatever the case: the dossier must have been received or handled in the unit's subtree.
            dossier = Dossier.objects.for_unit(unit).filter(code__in={dossier_code, dossier_code.upper()}).first()
            if dossier is None:
                self.add_error("dossier_code", DOSSIER_NOT_HERE)
            cleaned["dossier"] = dossier
        return cleaned


def clean_contact(value: str) -> str:
    """A phone number (10 digits starting with 0; spaces, dots and +84 are normalised) or an e-mail."""
    value = _nfc(value)
    message = _("Give a phone number (10 digits starting with 0, e.g. 0912 345 678) or an e-mail address.")
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(message, code="contact") from None
        return value
    try:
        return clean_phone(value)
    except ValidationError:
        raise ValidationError(message, code="contact") from None


class PublicTicketForm(_TicketFields):
    """The citizen's form: no sign-in; the honeypot and the signed token are checked by the view."""

    unit = forms.ChoiceField(label=_("Unit the feedback is addressed to"))
    # The honeypot and the signed token are written by the template and read from the raw data.

    field_order = ["unit", "sender_name", "sender_contact", "sender_address", "content", "procedure_code", "dossier_code"]

    def __init__(self, *args, units: QuerySet[AdministrativeUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.code: unit for unit in units.order_by("path")}
        self.fields["unit"].choices = grouped_unit_choices(list(self.units.values()), _("— Choose the unit —"))

    def chosen_unit(self) -> AdministrativeUnit | None:
        return self.units.get(self.cleaned_data.get("unit", ""))

    def clean_sender_contact(self) -> str:
        return clean_contact(self.cleaned_data["sender_contact"])

    def spam_check(self) -> None:
        """Raise ``antispam.Suspicious`` for a filled honeypot or a token too fresh, too old or forged."""
        antispam.check(token=self.token, honeypot=self.data.get(antispam.HONEYPOT_FIELD, ""))

    @property
    def token(self) -> str:
        return (self.data.get(antispam.TOKEN_FIELD) or "").strip()


STAFF_CHANNELS = [(value, label) for value, label in TicketChannel.choices if value != TicketChannel.WEBSITE]


class StaffTicketForm(_TicketFields):
    """A ticket entered by staff from a letter, a phone call, an e-mail or a visit."""

    channel = forms.ChoiceField(label=_("Received through"), choices=STAFF_CHANNELS)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=AdministrativeUnit.objects.none(), to_field_name="code", empty_label=None
    )

    field_order = ["channel", "unit", "sender_name", "sender_contact", "sender_address", "content", "procedure_code", "dossier_code"]

    def __init__(self, *args, units: QuerySet[AdministrativeUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["sender_contact"].label = _("Contact")
        self.fields["sender_contact"].help_text = _("Phone, e-mail, or how the sender asked to be answered.")

    def chosen_unit(self) -> AdministrativeUnit | None:
        return self.cleaned_data.get("unit")

    def clean_sender_contact(self) -> str:
        value = _nfc(self.cleaned_data["sender_contact"])
        try:
            return clean_contact(value)
        except ValidationError:
            return value  # a letter may give only a postal address: kept as written


# -- the steps -----------------------------------------------------------------------------------------


# The fields of the step forms that ``dossiers.tickets.services.ticket_step`` takes.
STEP_ARGUMENTS = ("note", "classification", "agency", "forwarded_to", "answer")


class TicketStepForm(forms.Form):
    """A step with only an optional note (close)."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket: FeedbackTicket, **kwargs):
        self.ticket = ticket
        super().__init__(*args, **kwargs)

    def arguments(self) -> dict:
        """What ``ticket_step`` takes, from what the form validated (texts trimmed)."""
        return {key: value.strip() if isinstance(value, str) else value
                for key, value in self.cleaned_data.items() if key in STEP_ARGUMENTS}


class ClassifyForm(TicketStepForm):
    classification = forms.ChoiceField(label=_("Class"), choices=TicketClass.choices, widget=forms.RadioSelect)

    field_order = ["classification", "note"]

    def __init__(self, *args, ticket: FeedbackTicket, **kwargs):
        kwargs.setdefault("initial", {"classification": ticket.classification or None})
        super().__init__(*args, ticket=ticket, **kwargs)


class AssignForm(TicketStepForm):
    agency = AgencyField(label=_("Competent agency"), queryset=Agency.objects.none())

    field_order = ["agency", "note"]

    def __init__(self, *args, ticket: FeedbackTicket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        self.fields["agency"].queryset = (
            Agency.objects.for_unit(ticket.unit).filter(is_active=True).select_related("unit").order_by("unit__path", "name")
        )


class ForwardForm(TicketStepForm):
    forwarded_to = forms.CharField(label=_("Forwarded to"), max_length=300,
                                   help_text=_("The competent agency outside the unit, e.g. the provincial Department of Justice."))

    field_order = ["forwarded_to", "note"]


class AnswerForm(TicketStepForm):
    answer = forms.CharField(label=_("Answer"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 8}),
                             help_text=_("Printed in the answer letter and, once published, on the public page."))

    def __init__(self, *args, ticket: FeedbackTicket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        del self.fields["note"]  # the answer is the event's note


class PublishForm(TicketStepForm):
    confirm = forms.BooleanField(
        label=_("The content and the answer hold no personal data (names, phone numbers, addresses)."),
        error_messages={"required": _("Check the content and the answer for personal data first.")},
    )

    field_order = ["confirm", "note"]


# -- the figures ------------------------------------------------------------------------------------------


class FiguresForm(PeriodForm):
    """?unit=<code>&from=dd/mm/yyyy&to=dd/mm/yyyy; by default the reporting quarter of today."""

    def __init__(self, data, *, units: QuerySet[AdministrativeUnit], default_unit: AdministrativeUnit | None,
                 today: date | None = None):
        start, end = quarter_containing(today or timezone.localdate()).days
        defaults = {
            "unit": default_unit.code if default_unit else "",
            "from": start.strftime("%d/%m/%Y"),
            "to": end.strftime("%d/%m/%Y"),
        }
        super().__init__({**defaults, **{key: data[key] for key in ("unit", "from", "to") if data.get(key)}})
        self.fields["unit"] = forms.ChoiceField(label=_("Unit"), choices=[(u.code, u.name) for u in units.order_by("path")])
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))


class TicketLookupForm(CodeAndDigitsForm):
    """A sender follows a ticket: its code and the last 4 digits of the phone given with it (the dossier
    lookup's form: dossiers.public.forms)."""

    code_label = _("Feedback code")
    digits_message = _("Enter the last 4 digits of the phone number you gave with your feedback.")
