"""Forms of the index and the inspections: they validate and normalise, the services decide."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit

from .models import DutyKind, Method, PlanKind


def _current_year() -> int:
    from motcua.models import today

    return today().year


class SchemeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    decision = forms.CharField(label=_("Decision that sets the criteria"), max_length=300, required=False,
                               help_text=_("E.g. Quyết định 2452/QĐ-UBND ngày 18/7/2019 của Chủ tịch UBND tỉnh."))
    self_scoring_until = forms.DateField(label=_("Self-scoring until"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    appraisal_until = forms.DateField(label=_("Appraisal until"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    publish_on = forms.DateField(label=_("Publication planned on"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = _current_year() - 1


class SchemeImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file of the criteria (.xlsx or .csv)"))


class SelfScoreForm(forms.Form):
    points = forms.DecimalField(label=_("Points"), min_value=Decimal(0), max_digits=7, decimal_places=2, localize=True)
    note = forms.CharField(label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Evidence file"), required=False)


class AppraisalForm(forms.Form):
    AGREE, CHANGE = "agree", "change"
    decision = forms.ChoiceField(label=_("Appraisal"), choices=[(AGREE, _("Agree")), (CHANGE, _("Change the points"))],
                                 widget=forms.RadioSelect, initial=AGREE)
    points = forms.DecimalField(label=_("Appraised points"), required=False, min_value=Decimal(0), max_digits=7,
                                decimal_places=2, localize=True)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.CHANGE and data.get("points") is None:
            self.add_error("points", _("Give the appraised points."))
        if data.get("decision") == self.CHANGE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the points change."))
        return data


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    decision = forms.CharField(label=_("Plan or decision"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = _current_year()


class InspectionForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit inspected"), queryset=AdministrativeUnit.objects.none(), to_field_name="code",
                                  empty_label=_("Choose a unit"))
    topics = forms.CharField(label=_("Topics"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("From"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    ends_on = forms.DateField(label=_("To"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    team = forms.CharField(label=_("Team"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The inspection cannot end before it starts."))
        return data


class FindingForm(forms.Form):
    description = forms.CharField(label=_("Finding"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    dossiers = forms.CharField(label=_("Dossier codes concerned"), required=False, max_length=2000,
                               help_text=_("Separated by commas or spaces."))
    procedures = forms.CharField(label=_("Procedure codes concerned"), required=False, max_length=2000,
                                 help_text=_("Separated by commas or spaces; the unit's posting of each is linked too."))
    request = forms.CharField(label=_("Request to fix"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    working_days = forms.DecimalField(label=_("Within (working days)"), required=False, min_value=Decimal(0),
                                      max_value=Decimal(365), max_digits=5, decimal_places=1, localize=True)

    def clean(self):
        data = super().clean()
        if (data.get("request") or "").strip() and data.get("working_days") is None:
            self.add_error("working_days", _("Give the deadline in working days."))
        return data

    @staticmethod
    def codes(text: str) -> list[str]:
        return [code for code in text.replace(",", " ").replace(";", " ").split() if code]


class FixReportForm(forms.Form):
    report = forms.CharField(label=_("What the unit fixed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    conclusion = forms.CharField(label=_("Conclusion"), max_length=8000, widget=forms.Textarea(attrs={"rows": 3}))


class DutyForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=AdministrativeUnit.objects.none(), to_field_name="code",
                                  empty_label=_("Choose a unit"))
    kind = forms.ChoiceField(label=_("Kind"), choices=DutyKind.choices)
    person = forms.CharField(label=_("Full name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    counter = forms.CharField(label=_("Counter"), max_length=60, required=False, help_text=_("For desk duty: which counter."))
    starts_on = forms.DateField(label=_("From"), input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                help_text=_("For desk duty: any day of the week."))
    ends_on = forms.DateField(label=_("Until"), required=False, input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    decision = forms.CharField(label=_("Decision that named them"), max_length=300,
                               help_text=_("E.g. Quyết định số 12/QĐ-UBND ngày 05/01/2021 của Chủ tịch UBND xã."))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units


class BandForm(forms.Form):
    name = forms.CharField(label=_("Band"), max_length=120)
    min_total = forms.DecimalField(label=_("Total from (%)"), min_value=Decimal(0), max_value=Decimal(100), max_digits=5,
                                   decimal_places=2, localize=True)
    min_total_included = forms.BooleanField(label=_("the lower bound itself qualifies"), required=False)
    field_floor = forms.DecimalField(label=_("Every field at least (%)"), min_value=Decimal(0), max_value=Decimal(100),
                                     max_digits=5, decimal_places=2, localize=True)


class BaseBandFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = [form.cleaned_data for form in self.forms if form.cleaned_data]
        names = [row["name"].strip() for row in rows]
        if len(set(names)) != len(names):
            raise forms.ValidationError(_("Two bands have the same name."))
        # "Above 80 %" asks more than "from 80 %": each band must ask strictly more than the next.
        demands = [(row["min_total"], not row["min_total_included"]) for row in rows]
        if any(higher <= lower for higher, lower in zip(demands, demands[1:])):
            raise forms.ValidationError(_("List the bands from the highest to the lowest total."))
        if not rows or rows[-1]["min_total"] != 0 or rows[-1]["field_floor"] != 0:
            raise forms.ValidationError(_("The last band must take every unit: a total from zero, with no floor."))


BandFormSet = forms.formset_factory(BandForm, formset=BaseBandFormSet, extra=0, min_num=2, max_num=8, validate_min=True,
                                    validate_max=True)


class CriterionRowForm(forms.Form):
    """One row of the on-screen criteria editor, in the columns of the import file: only carried here, checked
    by the import's own checks (cchc.importing.criteria_replace), all rows or none."""

    code = forms.CharField(label=_("Code"), required=False, max_length=16,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
    name = forms.CharField(label=_("Content"), required=False, max_length=500)
    max_points = forms.CharField(label=_("Maximum points"), required=False, max_length=12,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}))
    method = forms.ChoiceField(label=_("How it is scored"), required=False,
                               choices=[("", _("(a field of reform, or scored by the unit)")), *Method.choices])
    metric = forms.ChoiceField(label=_("Record it is computed from"), required=False, choices=())
    rule = forms.CharField(label=_("Rule from value to points"), required=False, max_length=200,
                           help_text=_("95 (a target) or 95=1; 80=0,5 (bands)."))
    no_data = forms.ChoiceField(label=_("When there is nothing to count"), required=False,
                                choices=[("", _("0 points")), ("full", _("Full points"))])

    def __init__(self, *args, **kwargs):
        from .metrics import metric_choices

        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *metric_choices()]

    def values(self) -> dict[str, str]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {key: (data.get(key) or "").strip() for key in self.fields}


CriteriaFormSet = forms.formset_factory(CriterionRowForm, extra=5, max_num=400, validate_max=True)
