"""Forms of the staff screens: the catalogue's filters, editing a procedure, posting it, importing a file.

Forms validate and normalise; the views call the services. Fees and dossier components are typed
one per line in the same words the catalogue files use, and read by ``procedures.parsing``.
"""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from motcua.forms import EmptyChoiceMixin
from motcua.models import AdministrativeUnit, UnitLevel, after_today
from motcua.selectors import work_calendar

from .models import Field, OnlineLevel, Posting, Procedure, ProcedureStatus, Sector
from .parsing import (
    CellError,
    ComponentSpec,
    FeeSpec,
    StageSpec,
    check_stage_hours,
    format_components,
    format_days,
    format_fees,
    format_stages,
    parse_components,
    parse_days,
    parse_fees,
    parse_stages,
)
from .services import components_of, fees_of, procedure_edit_refusal, stages_of

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("All"))] + list(choices)


class CatalogueFilterForm(forms.Form):
    """The catalogue list's search box and filters; every field is optional."""

    SCOPE_POSTED = ""
    SCOPE_ALL = "all"

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    scope = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(SCOPE_POSTED, _("My unit and the units below")), (SCOPE_ALL, _("The whole catalogue"))],
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_blank(UnitLevel.choices))
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=_blank(Sector.choices))
    field = forms.ModelChoiceField(
        label=_("Field"), required=False, queryset=Field.objects.order_by("name"), empty_label=_("All")
    )
    agency = forms.CharField(label=_("Implementing agency"), required=False, max_length=200)
    online_level = forms.ChoiceField(label=_("Online service"), required=False, choices=_blank(OnlineLevel.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(ProcedureStatus.choices))

    def __init__(self, data=None, *, unit: AdministrativeUnit | None = None, **kwargs):
        # A list that is only filtered is still a valid list: bind even an empty query string.
        super().__init__(data if data is not None else {}, **kwargs)
        self.unit = unit
        if unit is None:
            # Without a unit (a superuser outside the tree) the whole catalogue is the only scope.
            self.fields["scope"].choices = [(self.SCOPE_ALL, _("The whole catalogue"))]

    @property
    def whole_catalogue(self) -> bool:
        return self.unit is None or self.cleaned_value("scope") == self.SCOPE_ALL

    def cleaned_value(self, name: str):
        return (getattr(self, "cleaned_data", None) or {}).get(name)

    def filter(self, procedures: QuerySet[Procedure]) -> QuerySet[Procedure]:
        """The procedures the filters select; invalid filters are ignored (and shown as errors)."""
        self.is_valid()
        data = self.cleaned_data
        if not self.whole_catalogue:
            procedures = procedures.posted_in(self.unit)
        for name in ("level", "sector", "online_level", "status"):
            if data.get(name):
                procedures = procedures.filter(**{name: data[name]})
        if data.get("field"):
            procedures = procedures.filter(field=data["field"])
        if data.get("agency"):
            procedures = procedures.filter(agency__icontains=data["agency"].strip())
        if data.get("q"):
            procedures = procedures.search(data["q"])
        return procedures

    def is_filtered(self) -> bool:
        return any(self.cleaned_value(name) for name in self.fields if name != "scope")


def annotate_posted_at(procedures: QuerySet[Procedure], unit: AdministrativeUnit | None) -> QuerySet[Procedure]:
    """Mark the procedures the unit itself posts now, with the first day of that posting (``posted_since``;
    None when it is older than the records): subqueries, not a query per row."""
    if unit is None:
        return procedures
    own = Posting.objects.filter(unit=unit, procedure=OuterRef("pk"), is_active=True)
    return procedures.annotate(posted_here=Exists(own), posted_since=Subquery(own.values("valid_from")[:1]))


class ProcedureForm(EmptyChoiceMixin, forms.ModelForm):
    """A procedure's own terms, plus its fees and dossier components typed one per line."""

    replaced_by = forms.ModelChoiceField(
        label=_("Replaced by"),
        required=False,
        queryset=Procedure.objects.all(),
        to_field_name="code",
        widget=forms.TextInput(attrs={"placeholder": "1.001193", "autocomplete": "off"}),
        help_text=_("The code of the procedure that replaces this one."),
        error_messages={"invalid_choice": _("No procedure has this code.")},
    )
    # Typed as text and read like the import reads it: "0,5", "0.5", "3 ngày làm việc" and "Trong ngày"
    # all work (a localized DecimalField would read "0.5" as 5, the dot being the thousands separator).
    processing_days = forms.CharField(
        label=capfirst(Procedure._meta.get_field("processing_days").verbose_name),
        max_length=40,
        help_text=_("0 means the same working day; 0,5 is half a day."),
    )
    fees = forms.CharField(
        label=_("Fees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Lệ phí: 8.000 đồng"}),
        help_text=_("One per line, e.g. “Lệ phí: 8.000 đồng”. Leave empty when the procedure is free."),
    )
    components = forms.CharField(
        label=_("Dossier components"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Tờ khai (1 bản chính, 0 bản sao)"}),
        help_text=_(
            "One per line, e.g. “Tờ khai (1 bản chính, 0 bản sao)”; add “ [không bắt buộc]” at the end of "
            "a component that is not required."
        ),
    )

    process = forms.CharField(
        label=_("Internal process"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Tiếp nhận hồ sơ [Bộ phận một cửa] 4 giờ"}),
        help_text=_(
            "One stage per line: its name, who holds it in brackets and its share of the processing time in "
            "working hours, e.g. “Thẩm định [Phòng chuyên môn] 16 giờ”. The hours add up to the processing time. "
            "Leave empty when the procedure has no internal process."
        ),
    )

    class Meta:
        model = Procedure
        fields = [
            "name", "field", "level", "sector", "agency", "processing_days", "cutoff_applies", "cutoff_time",
            "fee_text", "result", "legal_basis", "online_level", "interconnected_with", "location_independent",
            "decision_number", "decision_date", "decision_issuer", "status", "effective_from", "effective_until",
            "replaced_by",
        ]
        widgets = {
            "name": forms.Textarea(attrs={"rows": 2}),
            "fee_text": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 4}),
            "decision_date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
            "effective_from": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
            "effective_until": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
            "cutoff_time": forms.TimeInput(attrs={"placeholder": "15:00"}),
        }
        help_texts = {
            "fee_text": _(
                "The wording printed on the posting list. Leave it empty to print the fees below; when it "
                "was generated from them, it follows them."
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # who edits: asked ``procedure.edit`` for the level chosen (procedure_save asks again)
        procedure = self.instance
        self.old_fees: list[FeeSpec] = fees_of(procedure) if procedure.pk else []
        self.old_components: list[ComponentSpec] = components_of(procedure) if procedure.pk else []
        if not self.is_bound:
            self.initial["fees"] = "\n".join(format_fees([fee]) for fee in self.old_fees)
            self.initial["components"] = "\n".join(format_components([c]) for c in self.old_components)
            self.initial["process"] = "\n".join(format_stages([stage]) for stage in stages_of(procedure))
            self.initial["replaced_by"] = procedure.replaced_by.code if procedure.replaced_by_id else ""
            if procedure.processing_days is not None:
                self.initial["processing_days"] = format_days(Decimal(procedure.processing_days)).replace(".", ",")
        self.fields["field"].queryset = Field.objects.order_by("name")

    def _parsed(self, name: str, parse):
        """The field's text read like the import reads it; a cell error becomes the field's error."""
        try:
            return parse(self.cleaned_data[name])
        except CellError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_processing_days(self) -> Decimal:
        return self._parsed("processing_days", parse_days)

    def clean_fees(self) -> list[FeeSpec]:
        return self._parsed("fees", parse_fees)

    def clean_components(self) -> list[ComponentSpec]:
        return self._parsed("components", parse_components)

    def clean_process(self) -> list[StageSpec]:
        return self._parsed("process", parse_stages)

    def clean_replaced_by(self):
        replacement = self.cleaned_data["replaced_by"]
        if replacement is not None and replacement.pk == self.instance.pk:
            raise forms.ValidationError(_("A procedure cannot replace itself."))
        return replacement

    def clean(self):
        cleaned = super().clean()
        if self.user is not None and cleaned.get("level"):
            stored = self.instance if self.instance.pk else None  # not yet changed: _post_clean does that
            refusal = procedure_edit_refusal(self.user, stored, code=self.instance.code, level=cleaned["level"])
            if refusal:
                self.add_error("level", capfirst(refusal) + ".")
        start, end = cleaned.get("effective_from"), cleaned.get("effective_until")
        if start and end and end < start:
            self.add_error("effective_until", _("The end of validity is before its start."))
        stages, days = cleaned.get("process"), cleaned.get("processing_days")
        if stages is not None and days is not None:
            try:
                check_stage_hours(stages, days, work_calendar().hours_per_day)
            except CellError as error:
                self.add_error("process", capfirst(str(error)) + ".")
            else:
                self.instance.stages = [stage.as_json() for stage in stages]
        fees = cleaned.get("fees")
        if fees is not None and "fee_text" in cleaned:
            # A posted wording generated from the fees follows them; one an officer wrote stays.
            generated = {"", format_fees(self.old_fees)}
            if cleaned["fee_text"].strip() in generated and fees != self.old_fees:
                cleaned["fee_text"] = format_fees(fees) if fees else ""
        return cleaned


class PostingForm(forms.Form):
    """Whether the unit handles (and posts) the procedure, since when and until when, and the days it was
    posted at the desk and online. Empty days: today for a new posting or a withdrawal; the stored
    first day for a posting in force. No day may be after today."""

    unit = forms.CharField(widget=forms.HiddenInput, required=False)
    is_active = forms.BooleanField(label=_("Handled and posted by this unit"), required=False, initial=True)
    valid_from = forms.DateField(
        label=_("Handled since"), required=False, widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
        help_text=_("Empty: today for a new posting."),
    )
    valid_to = forms.DateField(
        label=_("Withdrawn on (last day handled)"), required=False,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
        help_text=_("Only when the unit stops handling it. Empty: today."),
    )
    posted_at_desk = forms.DateField(
        label=_("Posted at the desk on"), required=False, widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )
    posted_on_website = forms.DateField(
        label=_("Posted on the website on"), required=False, widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})
    )

    @classmethod
    def for_posting(cls, unit: AdministrativeUnit, posting: Posting | None) -> PostingForm:
        """The form about ``posting`` (the unit's posting in force, else its last one; None when never posted)."""
        initial = {"unit": unit.code}
        if posting is not None:
            initial.update(
                is_active=posting.is_active,
                valid_from=posting.valid_from if posting.is_active else None,
                posted_at_desk=posting.posted_at_desk,
                posted_on_website=posting.posted_on_website,
            )
        return cls(initial=initial)

    def clean(self):
        cleaned = super().clean()
        for name in ("valid_from", "valid_to"):
            refusal = after_today(cleaned.get(name))
            if refusal:
                self.add_error(name, refusal)
        if cleaned.get("is_active") and cleaned.get("valid_to"):
            self.add_error("valid_to", _("Leave this empty while the unit handles the procedure, or untick “%(label)s”.")
                           % {"label": self.fields["is_active"].label})
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Catalogue file"),
        help_text=_("CSV (UTF-8) or Excel (.xlsx), at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB: split it into several files and import them one after another.")
            )
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
