"""Forms of the desk and processing screens: intake (or refusal), and one small form per step.

Forms validate and normalise what the officer typed (CCCD, phone, the procedure by code or name,
the receipt moment); the views call the services. On an error the form is shown again with what
was typed.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.calendar import VN_TZ
from motcua.models import AdministrativeUnit, Agency, StaffMembership
from motcua.periods import local_day
from motcua.signing import identity_of
from motcua.text import person_name
from procedures.models import Procedure

from .models import (
    ApplicantKind,
    Channel,
    Dossier,
    PauseKind,
    ReceivedComponent,
    ReceivedForm,
    ReturnChannel,
)
from .files import FileRefused, expected_form, prepare, prepare_result
from .selectors import PHONE_PATTERN, default_handling_unit, handling_units_for, normalise_phone

# The first three digits of a CCCD are the province code of the place of birth registration: 001–096.
PROVINCE_CODE_MIN, PROVINCE_CODE_MAX = 1, 96
# How far ahead of the server's clock a typed moment may be (two clocks never agree exactly).
CLOCK_TOLERANCE = timedelta(minutes=2)
MOMENT_HELP = _("dd/mm/yyyy hh:mm, e.g. 16/01/2026 15:45")
# What a received component may be (``not received`` is the box left unticked) and how many at most.
RECEIVED_AS = [ReceivedForm.ORIGINAL, ReceivedForm.CERTIFIED_COPY, ReceivedForm.COPY]
MAX_COPIES = 99
FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def clean_id_number(value: str) -> str:
    """A CCCD (căn cước công dân) number: 12 digits, the first three a province code 001–096."""
    value = re.sub(r"\s", "", value or "")
    if not value:
        return ""
    if not value.isdigit():
        raise forms.ValidationError(_("A CCCD number has digits only."), code="digits")
    if len(value) != 12:
        raise forms.ValidationError(
            _("A CCCD number has exactly 12 digits; “%(value)s” has %(length)s."),
            code="length", params={"value": value, "length": len(value)},
        )
    if not PROVINCE_CODE_MIN <= int(value[:3]) <= PROVINCE_CODE_MAX:
        raise forms.ValidationError(
            _("A CCCD number starts with a province code from 001 to 096; “%(code)s” is not one."),
            code="province", params={"code": value[:3]},
        )
    return value


def clean_phone(value: str) -> str:
    """A Vietnamese phone number: 10 digits starting with 0; spaces and dots are dropped, +84 becomes 0."""
    if not (value or "").strip():
        return ""
    phone = normalise_phone(value.strip())
    if not PHONE_PATTERN.match(phone):
        raise forms.ValidationError(
            _("A phone number has 10 digits and starts with 0, e.g. 0912 345 678."), code="phone"
        )
    return phone


class MomentField(forms.DateTimeField):
    """A moment typed as dd/mm/yyyy hh:mm, read in Vietnam time."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}))
        kwargs.setdefault("help_text", MOMENT_HELP)
        super().__init__(**kwargs)

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and timezone.is_naive(result):
            result = timezone.make_aware(result, VN_TZ)
        return result

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return timezone.localtime(value, VN_TZ).strftime("%d/%m/%Y %H:%M")
        return value


class HandlingUnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AdministrativeUnit) -> str:
        return obj.name


class IntakeForm(forms.Form):
    """Take in a dossier at the desk, or refuse it (the submit button named ``refuse``)."""

    procedure = forms.CharField(
        label=_("Procedure"), max_length=400,
        help_text=_("Its code or a few words of its name, with or without diacritics."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "list": "procedure-options", "spellcheck": "false"}),
    )
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    applicant_id_number = forms.CharField(
        label=_("CCCD number"), required=False, max_length=20,
        help_text=_("12 digits (căn cước công dân)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(label=_("Address"), required=False, max_length=300, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    applicant_email = forms.EmailField(label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    applicant_kind = forms.ChoiceField(label=_("Applicant"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON)
    notify_opt_out = forms.BooleanField(
        label=_("The applicant does not want SMS or e-mail about this dossier"), required=False,
        help_text=_("Otherwise the applicant is told at the phone and e-mail given when the dossier moves."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.DIRECT)
    paid_online = forms.BooleanField(label=_("Fee paid online"), required=False)
    handling_unit = HandlingUnitField(
        label=_("Handling unit"), required=False, queryset=AdministrativeUnit.objects.none(),
        empty_label=_("As the procedure says (default)"),
        help_text=_("Your unit; the unit above for an inter-connected procedure (liên thông)."),
    )
    received_at = MomentField(
        label=_("Received at"), required=False,
        help_text=_("Leave empty for now. A paper dossier taken earlier today may be back-dated (dd/mm/yyyy hh:mm)."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    refusal_reason = forms.CharField(
        label=_("Reason for the refusal"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse; printed on the refusal slip."),
    )

    def __init__(self, *args, unit: AdministrativeUnit, procedures, now: datetime, may_backdate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.procedures = procedures
        self.now = now
        self.may_backdate = may_backdate
        self.candidates: list[Procedure] = []
        self.resolved_procedure: Procedure | None = None
        units = handling_units_for(unit, None) + list(unit.ancestors().order_by("-depth"))
        self.unit_choices = units
        self.fields["handling_unit"].queryset = AdministrativeUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("-depth")

    @property
    def refusing(self) -> bool:
        return bool(self.data.get("refuse")) if self.is_bound else False

    # -- the fields --------------------------------------------------------------------------

    def clean_procedure(self) -> Procedure:
        text = _nfc(self.cleaned_data["procedure"])
        code = re.split(r"\s", text, maxsplit=1)[0] if text else ""
        procedure = self.procedures.filter(code=code).select_related("field").first()
        if procedure is None:
            matches = list(self.procedures.search(text).select_related("field").order_by("code")[:8])
            if len(matches) == 1:
                procedure = matches[0]
            elif matches:
                self.candidates = matches
                raise forms.ValidationError(
                    _("Several procedures match “%(text)s”: type or choose the code of one."),
                    code="ambiguous", params={"text": text},
                )
            else:
                raise forms.ValidationError(
                    _("No procedure posted at your unit matches “%(text)s”."), code="unknown", params={"text": text}
                )
        self.resolved_procedure = procedure
        # Where this procedure may be handled (selectors.handling_units_for: up the tree for liên thông,
        # across the province when location-independent) joins the choices before the field is cleaned.
        allowed = handling_units_for(self.unit, procedure)
        extra = [u for u in allowed if u not in self.unit_choices]
        if extra:
            self.unit_choices = self.unit_choices + extra
            self.fields["handling_unit"].queryset = AdministrativeUnit.objects.filter(pk__in=[u.pk for u in self.unit_choices])
        return procedure

    def clean_applicant_name(self) -> str:
        return " ".join(_nfc(self.cleaned_data["applicant_name"]).split())

    def clean_applicant_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["applicant_id_number"])

    def clean_applicant_phone(self) -> str:
        return clean_phone(self.cleaned_data["applicant_phone"])

    def clean_applicant_address(self) -> str:
        return _nfc(self.cleaned_data["applicant_address"])

    def clean_received_at(self) -> datetime | None:
        moment = self.cleaned_data["received_at"]
        if moment is None:
            return None
        if moment > self.now + CLOCK_TOLERANCE:
            raise forms.ValidationError(_("The receipt moment cannot be in the future."), code="future")
        today = local_day(self.now)
        if not self.may_backdate and local_day(moment) != today:
            raise forms.ValidationError(
                _("A dossier can be back-dated within today only (a paper dossier taken earlier the same day)."),
                code="not-today",
            )
        return moment

    def clean(self):
        data = super().clean()
        procedure = data.get("procedure")
        if self.refusing:
            if not _nfc(data.get("refusal_reason", "")):
                self.add_error("refusal_reason", forms.ValidationError(_("Give the reason for the refusal."), code="required"))
            return data
        if isinstance(procedure, Procedure):
            try:
                data["components_received"] = self.received_components()
            except forms.ValidationError as error:
                self.add_error(None, error)
            allowed = handling_units_for(self.unit, procedure)
            chosen = data.get("handling_unit")
            if chosen is None:
                data["handling_unit"] = default_handling_unit(self.unit, procedure, allowed,
                                                              address=data.get("applicant_address") or "")
            elif chosen.pk not in {u.pk for u in allowed}:
                self.add_error(
                    "handling_unit",
                    forms.ValidationError(
                        _("%(unit)s cannot handle this procedure; choose one of: %(units)s."),
                        code="handling-unit",
                        params={"unit": chosen.name, "units": ", ".join(u.name for u in allowed)},
                    ),
                )
        return data

    # -- what the template needs ----------------------------------------------------------------

    def received_components(self) -> dict[int, tuple[str, int]]:
        """What the desk ticked as received, per component of the procedure: component id → (form, number).
        A component ticked without a form chosen (the list the page drew itself) is taken as the procedure
        asks for it; one not ticked was not received."""
        procedure = self.resolved_procedure
        if procedure is None or not self.is_bound:
            return {}
        ticked = set(self.data.getlist("components")) if hasattr(self.data, "getlist") else set()
        received = {}
        for component in procedure.components.all():
            key = str(component.pk)
            if key not in ticked:
                continue
            form, copies = expected_form(component)
            chosen = self.data.get(f"form-{key}", "")
            if chosen in RECEIVED_AS:
                form = chosen
            typed = (self.data.get(f"copies-{key}") or "").strip()
            if typed:
                if not typed.isdigit() or not 1 <= int(typed) <= MAX_COPIES:
                    raise forms.ValidationError(
                        _("The number received of “%(name)s” is a whole number from 1 to %(max)s."),
                        code="copies", params={"name": component.name, "max": MAX_COPIES},
                    )
                copies = int(typed)
            received[component.pk] = (form, copies)
        return received

    def procedure_for_display(self) -> Procedure | None:
        """The procedure the form names, if it is known: resolved on a bound form or the initial code."""
        if self.resolved_procedure is not None:
            return self.resolved_procedure
        code = (self.data.get("procedure") if self.is_bound else self.initial.get("procedure")) or ""
        code = re.split(r"\s", _nfc(code), maxsplit=1)[0] if code.strip() else ""
        if not code or "\x00" in code:  # raw input: PostgreSQL refuses a NUL in a query (a 500)
            return None
        return self.procedures.filter(code=code).first()


# -- the steps on a dossier's page ------------------------------------------------------------------


class StepForm(forms.Form):
    """A step without anything to fill in (start, resume)."""

    def __init__(self, *args, dossier: Dossier, **kwargs):
        self.dossier = dossier
        super().__init__(*args, **kwargs)

    def arguments(self) -> dict:
        """What the step's service takes, from what the form validated (texts trimmed)."""
        return {key: value.strip() if isinstance(value, str) else value for key, value in self.cleaned_data.items()}


class AgencyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.unit.name})"


class OfficerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: StaffMembership) -> str:
        return f"{person_name(obj.user)} – {obj.get_role_display()} ({obj.unit.name})"


class TransferForm(StepForm):
    to_unit = HandlingUnitField(label=_("To the unit"), queryset=AdministrativeUnit.objects.none(), empty_label=None)
    agency = AgencyField(label=_("Processing agency"), required=False, queryset=Agency.objects.none(), empty_label="—")
    officer = OfficerField(label=_("Processing officer"), required=False, queryset=StaffMembership.objects.none(), empty_label="—")
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, dossier: Dossier, units, agencies, officers, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        self.fields["to_unit"].queryset = AdministrativeUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("-depth")
        self.fields["to_unit"].initial = dossier.handling_unit_id
        self.fields["agency"].queryset = agencies
        self.fields["agency"].initial = dossier.agency_id
        self.fields["officer"].queryset = officers

    def clean(self):
        data = super().clean()
        unit = data.get("to_unit")
        if unit is None:
            return data
        agency, membership = data.get("agency"), data.get("officer")
        if agency is not None and agency.unit_id != unit.pk:
            self.add_error("agency", forms.ValidationError(
                _("%(agency)s does not belong to %(unit)s."), code="agency", params={"agency": agency.name, "unit": unit.name}))
        if membership is not None and membership.unit_id != unit.pk:
            self.add_error("officer", forms.ValidationError(
                _("This officer does not work at %(unit)s."), code="officer", params={"unit": unit.name}))
        return data

    def arguments(self) -> dict:
        arguments = super().arguments()
        officer = arguments.pop("officer")
        return {**arguments, "officer": officer.user if officer is not None else None}


class HandOnForm(StepForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PauseForm(StepForm):
    kind = forms.ChoiceField(label=_("Kind of pause"), choices=PauseKind.choices, initial=PauseKind.SUPPLEMENT)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(StepForm):
    result_file = forms.FileField(
        label=_("Result file"), required=False,
        help_text=_("The signed decision, certificate or reply: one PDF (or JPEG/PNG image), kept as it is."),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
    )
    sign_result = forms.BooleanField(
        label=_("Sign the result with the unit's certificate"), required=False, initial=True,
        help_text=_("The PDF is signed (ký số) before it is stored: the citizen downloads it signed."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        if identity_of(dossier.handling_unit) is None:  # nothing to sign with: no box to tick
            del self.fields["sign_result"]

    def clean_result_file(self):
        upload = self.cleaned_data.get("result_file")
        if not upload:
            return None
        try:
            return prepare_result([upload])  # checked by its content; stored by the step
        except FileRefused as error:
            raise forms.ValidationError(str(error), code="file") from None


class ReturnForm(StepForm):
    channel = forms.ChoiceField(label=_("Returned"), choices=ReturnChannel.choices, initial=ReturnChannel.DESK)


class StopForm(StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ApologyForm(StepForm):
    reason = forms.CharField(label=_("Reason for the delay"), widget=forms.Textarea(attrs={"rows": 2}))
    new_due_at = MomentField(label=_("New appointment"))

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        from .stages import apology_stage  # with an internal process, the letter is the late stage's holder's

        stage = apology_stage(dossier, timezone.now()) if dossier.stages.exists() else None
        if stage is not None:
            self.fields["reason"].help_text = _(
                "Issued by %(holder)s for the stage “%(stage)s”, which used more than its share of the time."
            ) % {"holder": stage.holder_name, "stage": stage.name}

    def clean_new_due_at(self) -> datetime:
        # The service's own rule, said here beside the field so that the reason and the date typed stay.
        moment = self.cleaned_data["new_due_at"]
        if moment <= self.dossier.due_at:
            raise forms.ValidationError(_("The new appointment must be later than the original one."), code="early")
        if moment <= timezone.now():
            raise forms.ValidationError(_("The new appointment must be later than now."), code="past")
        return moment


# -- the components and files of a dossier ------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pages of a scan); each is checked by ``dossiers.files``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": FILE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ComponentForm(forms.Form):
    """One component of a dossier: what was received of it, and the pages scanned for it (joined into one
    PDF when there are several)."""

    received_as = forms.ChoiceField(label=_("Received as"), choices=ReceivedForm.choices)
    copies = forms.IntegerField(label=_("Number"), min_value=0, max_value=MAX_COPIES, initial=1)
    pages = MultipleFileField(
        label=_("Scanned pages"), required=False,
        help_text=_("PDF, JPEG or PNG; several pages are joined into one PDF in the order chosen."),
    )

    def __init__(self, *args, component: ReceivedComponent, **kwargs):
        kwargs.setdefault("prefix", f"c{component.pk}")
        kwargs.setdefault("initial", {"received_as": component.form, "copies": component.copies})
        super().__init__(*args, **kwargs)
        self.component = component

    def clean(self):
        data = super().clean()
        uploads = data.get("pages") or []
        if uploads and data.get("received_as") == ReceivedForm.NOT_RECEIVED:
            raise forms.ValidationError(
                _("A component not received cannot carry a file: record what was received first."), code="not-received"
            )
        data["prepared"] = None
        if uploads:
            try:
                data["prepared"] = prepare(uploads)  # checked by content and joined; stored by the service
            except FileRefused as error:
                self.add_error("pages", forms.ValidationError(str(error), code="file"))
        return data


class ResultFileForm(forms.Form):
    """The result attached after the dossier was resolved (when it was not attached then)."""

    result_file = forms.FileField(
        label=_("Result file"),
        help_text=_("The signed decision, certificate or reply: one PDF (or JPEG/PNG image), kept as it is."),
        widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}),
    )

    def clean_result_file(self):
        try:
            return prepare_result([self.cleaned_data["result_file"]])
        except FileRefused as error:
            raise forms.ValidationError(str(error), code="file") from None
