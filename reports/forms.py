"""The period picker: a kind (month, quarter, 6 months, 9 months, year, or a range of days) and a year,
picked from lists, built into the same ``Period`` as the machine syntax (motcua.periods.parse_period).

The machine syntax (``2026-Q4``) stays for the command line and for the links and bookmarks that carry
``?period=``: ``chosen_period`` reads the picker's fields when they are sent, else ``period``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.periods import Period, PeriodError, parse_period

from .numbers import period_title, roman

DATE_FORMAT = "%d/%m/%Y"
FIRST_YEAR = 2015

MONTH, QUARTER, HALF, NINE_MONTHS, YEAR, RANGE = "month", "quarter", "half", "nine_months", "year", "range"
KIND_CHOICES = [
    (MONTH, gettext_lazy("Month")),
    (QUARTER, gettext_lazy("Quarter")),
    (HALF, gettext_lazy("6 months")),
    (NINE_MONTHS, gettext_lazy("9 months")),
    (YEAR, gettext_lazy("Year")),
    (RANGE, gettext_lazy("From … to …")),
]
# The kinds of motcua.periods a kind of the picker shows (calendar years and quarters are shown as a range).
KIND_OF_PERIOD = {"calendar_month": MONTH, "quarter": QUARTER, "half": HALF, "nine_months": NINE_MONTHS, "annual": YEAR}


def _int_choices(values, label) -> list[tuple[int, str]]:
    return [(value, label(value)) for value in values]


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Period"), choices=KIND_CHOICES)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(label=gettext_lazy("Quarter"), coerce=int, required=False)
    half = forms.TypedChoiceField(
        label=gettext_lazy("Half"), coerce=int, required=False,
        choices=[(1, gettext_lazy("First 6 months")), (2, gettext_lazy("Last 6 months"))],
    )
    month = forms.TypedChoiceField(label=gettext_lazy("Month"), coerce=int, required=False)
    first = forms.DateField(label=gettext_lazy("From"), required=False, input_formats=[DATE_FORMAT],
                            widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))
    last = forms.DateField(label=gettext_lazy("To"), required=False, input_formats=[DATE_FORMAT],
                           widget=forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}))

    def __init__(self, *args, today: date, **kwargs):
        kwargs.setdefault("auto_id", "period-%s")  # beside the export and submission forms of the same page
        super().__init__(*args, **kwargs)
        years = list(range(today.year + 1, FIRST_YEAR - 1, -1))
        chosen = self.initial.get("year")
        if chosen and chosen not in years:
            years.append(chosen)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        # Choices are translated when the form is built, in the request's language.
        self.fields["quarter"].choices = _int_choices(range(1, 5), lambda n: _("Quarter %(number)s") % {"number": roman(n)})
        self.fields["month"].choices = _int_choices(range(1, 13), lambda n: _("Month %(number)s") % {"number": n})

    @classmethod
    def initial_for(cls, period: Period) -> dict:
        """The picker's fields that name ``period`` (a calendar year or quarter as its range of days)."""
        kind = KIND_OF_PERIOD.get(period.kind, RANGE)
        last = period.last_day
        initial = {"kind": kind, "year": last.year, "quarter": (last.month + 2) // 3, "half": 1 if last.month <= 6 else 2,
                   "month": last.month, "first": period.first_day, "last": last}
        return initial

    def clean(self):
        data = super().clean()
        kind, year = data.get("kind"), data.get("year")
        if kind == RANGE:
            first, last = data.get("first"), data.get("last")
            if first is None or last is None:
                if not self.has_error("first") and not self.has_error("last"):
                    raise forms.ValidationError(_("Give both the first and the last day of the range (dd/mm/yyyy)."),
                                                code="range_incomplete")
                return data
            if last < first:
                raise forms.ValidationError(_("The range ends on %(last)s, before it starts on %(first)s.")
                                            % {"first": f"{first:%d/%m/%Y}", "last": f"{last:%d/%m/%Y}"}, code="range_reversed")
            key = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"
        elif kind:
            if not year:
                raise forms.ValidationError(_("Choose the year."), code="year_missing")
            part = {MONTH: "month", QUARTER: "quarter", HALF: "half"}.get(kind)
            if part and not data.get(part):
                raise forms.ValidationError(_("Choose the %(part)s.") % {"part": self.fields[part].label}, code="part_missing")
            key = {
                MONTH: lambda: f"cal:{year}-{data.get('month'):02d}",
                QUARTER: lambda: f"{year}-Q{data.get('quarter')}",
                HALF: lambda: f"{year}-H{data.get('half')}",
                NINE_MONTHS: lambda: f"{year}-M9",
                YEAR: lambda: str(year),
            }[kind]()
        else:
            return data
        try:
            data["period"] = parse_period(key)
        except PeriodError:
            raise forms.ValidationError(_("The period must lie between the years 2000 and 2100."), code="out_of_range") from None
        return data


@dataclass
class ChosenPeriod:
    period: Period
    error: str
    form: PeriodForm

    @property
    def title(self) -> str:
        return period_title(self.period)

    def __iter__(self):
        """``period, error = chosen``, as the screens that show no picker read it."""
        return iter((self.period, self.error))

    def context(self) -> dict:
        return {"period": self.period, "period_error": self.error, "period_form": self.form, "period_title": self.title}


def chosen_period(query, default: Period, *, today: date) -> ChosenPeriod:
    """The period a screen shows: the picker's fields when sent (``kind``), else the machine syntax of
    links and bookmarks (``?period=2026-Q4``), else ``default``. On an error the default is shown, the
    picker keeps what the user chose and the error says why."""
    if query.get("kind"):
        form = PeriodForm(query, today=today)
        if form.is_valid() and form.cleaned_data.get("period"):
            return ChosenPeriod(form.cleaned_data["period"], "", form)
        errors = [str(e) for e in form.non_field_errors()] + [
            f"{form.fields[name].label}: {error}" for name, errs in form.errors.items() if name != "__all__" for error in errs
        ]
        return ChosenPeriod(default, " ".join(errors), form)
    key = query.get("period", "").strip()
    if key:
        try:
            period = parse_period(key)
        except PeriodError:
            message = _("“%(period)s” is not a period: choose one in the list.") % {"period": key[:40]}
            return ChosenPeriod(default, message, PeriodForm(initial=PeriodForm.initial_for(default), today=today))
        return ChosenPeriod(period, "", PeriodForm(initial=PeriodForm.initial_for(period), today=today))
    return ChosenPeriod(default, "", PeriodForm(initial=PeriodForm.initial_for(default), today=today))
