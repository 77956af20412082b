"""The index's rules as pure functions over values: a computed criterion's points from its value, a
rule read from its written form, and the classification of a unit from its percentages.

Classification (Quyết định 2452/QĐ-UBND, as Tứ Kỳ applied it in 2021, seed 004): a band has a lower
bound on the total percentage (included or not: "từ 90 %" / "trên 80 %") and a floor every field of
reform must reach. A unit takes the highest band whose two conditions it meets. So a unit whose total
qualifies for a band but whose weakest field misses that band's floor falls to the next band it does
meet: 9 of Tứ Kỳ's 17 communes with a total between 80 % and 90 % were classed "Hoàn thành nhiệm vụ"
because a field scored under 70 %. The field that held a unit back is its weakest field below the floor
of the band its total alone would have given it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from motcua.numbers import percent, round_half_up

__all__ = ["BandRule", "Classification", "classify", "points_for", "parse_rule", "rule_input", "rule_text", "DEFAULT_BANDS"]

FULL = "full"
ZERO = "zero"


@dataclass(frozen=True)
class BandRule:
    name: str
    min_total: Decimal
    min_total_included: bool
    field_floor: Decimal

    def total_qualifies(self, total: Decimal) -> bool:
        return total >= self.min_total if self.min_total_included else total > self.min_total


# The seed's four bands, highest first: what a new scheme starts with (editable, they are data).
DEFAULT_BANDS = (
    BandRule("Hoàn thành xuất sắc nhiệm vụ", Decimal(90), True, Decimal(80)),
    BandRule("Hoàn thành tốt nhiệm vụ", Decimal(80), False, Decimal(70)),
    BandRule("Hoàn thành nhiệm vụ", Decimal(65), True, Decimal(50)),
    BandRule("Không hoàn thành nhiệm vụ", Decimal(0), True, Decimal(0)),
)


@dataclass(frozen=True)
class Classification:
    band: BandRule | None
    # The band the total alone reaches, when a field's floor kept the unit out of it, and that field.
    missed_band: BandRule | None = None
    held_back_by: str | None = None


def classify(bands: Sequence[BandRule], total: Decimal, fields: Mapping[str, Decimal]) -> Classification:
    """The highest band (``bands`` highest first) whose total bound and field floor the unit meets.

    ``fields`` maps each field of reform to its percentage. A field without a maximum is left out."""
    weakest_name, weakest = min(fields.items(), key=lambda item: item[1], default=(None, None))
    first_by_total = next((band for band in bands if band.total_qualifies(total)), None)
    for band in bands:
        if band.total_qualifies(total) and (weakest is None or weakest >= band.field_floor):
            if first_by_total is not None and band is not first_by_total:
                return Classification(band, first_by_total, weakest_name)
            return Classification(band)
    return Classification(None, first_by_total, weakest_name if first_by_total else None)


def points_for(rule: Mapping, value: Decimal | None, max_points: Decimal) -> Decimal:
    """A computed criterion's points from its value (a percentage):

    - ``{"kind": "target", "target": 95}``: full points at or above the target, proportional below;
    - ``{"kind": "bands", "bands": [[95, 1], [80, 0.5]]}``: the share of the maximum of the first
      threshold reached, 0 below the last;
    - with no value (nothing to measure: no dossier resolved, no feedback received), ``"no_data"`` says
      ``"full"`` (nothing went wrong) or ``"zero"`` (the default).
    """
    max_points = Decimal(max_points)
    if value is None:
        return max_points if rule.get("no_data") == FULL else Decimal(0)
    value = Decimal(value)
    if rule.get("kind") == "bands":
        for threshold, share in rule.get("bands", []):
            if value >= Decimal(str(threshold)):
                return round_half_up(max_points * Decimal(str(share)))
        return Decimal("0.00")
    target = Decimal(str(rule.get("target", 100)))
    if target <= 0 or value >= target:
        return round_half_up(max_points)
    return round_half_up(max_points * value / target)


def _number(text: str) -> Decimal:
    text = text.strip().replace("%", "").replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def parse_rule(text: str, *, no_data: str = ZERO) -> dict:
    """A rule from the form a scheme's spreadsheet writes it in: ``"95"`` or ``"≥ 95 %"`` (a target),
    ``"95=1; 80=0,5"`` (bands: threshold = share of the maximum). ValueError when it reads as neither."""
    text = text.strip()
    if not text:
        return {"kind": "target", "target": 100, "no_data": no_data}
    if "=" in text:
        bands = []
        for part in re.split(r"[;\n]", text):
            if not part.strip():
                continue
            threshold, _sep, share = part.partition("=")
            threshold, share = _number(threshold.lstrip("≥>= ")), _number(share)
            if not (0 <= share <= 1) or not (0 <= threshold <= 100):
                raise ValueError(text)
            bands.append([float(threshold), float(share)])
        if not bands:
            raise ValueError(text)
        bands.sort(key=lambda band: band[0], reverse=True)
        return {"kind": "bands", "bands": bands, "no_data": no_data}
    target = _number(text.lstrip("≥>= "))
    if not (0 < target <= 100):
        raise ValueError(text)
    return {"kind": "target", "target": float(target), "no_data": no_data}


def rule_text(rule: Mapping) -> str:
    """The rule as a reader sees it."""
    if not rule:
        return ""
    if rule.get("kind") == "bands":
        parts = [f"≥ {vn_plain(b[0])} %: {vn_plain(Decimal(str(b[1])) * 100)} %" for b in rule.get("bands", [])]
        text = _("%(bands)s of the points") % {"bands": "; ".join(parts)}
    else:
        text = _("full points from %(target)s %%, proportional below") % {"target": vn_plain(rule.get("target", 100))}
    if rule.get("no_data") == FULL:
        text += " · " + _("full points when there is nothing to count")
    return text


def rule_input(rule: Mapping) -> str:
    """The rule in the form parse_rule reads (``"95"``, ``"95=1; 80=0,5"``): what the on-screen editor shows."""
    if not rule:
        return ""
    if rule.get("kind") == "bands":
        return "; ".join(f"{vn_plain(b[0])}={vn_plain(b[1])}" for b in rule.get("bands", []))
    return vn_plain(rule.get("target", 100))


def vn_plain(value) -> str:
    """Decimal('2.50') → '2,5': points and percentages as a scheme writes them (no grouping, no trailing zeros)."""
    number = Decimal(str(value)).normalize()
    text = f"{number:f}"
    return text.replace(".", ",")


def share(part: Decimal, whole: Decimal) -> Decimal:
    """A score as a percentage of its maximum (0 for a maximum of 0)."""
    return percent(part, whole) or Decimal("0.00")
