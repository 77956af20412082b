"""A scheme's fields of reform and criteria imported from Excel (or CSV): all rows or none.

The file is read by motcua.tabular.read_rows like every import (header found below title rows,
Vietnamese headings, each row named by its Excel line). One row per field of reform (code ``1``…``7``),
criterion (``1.1``) and sub-criterion (``1.1.1``): the maximum points, how it is scored and, for a
computed criterion, the record it is computed from and its rule. Every row is checked before anything
is written; one bad row refuses the whole file and names every bad row. A criterion with sub-criteria is
worth the sum of theirs, a field the sum of its criteria: a sum that does not add up is named on the row
that states it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.tabular import MAX_NAMED_ROWS, Row, TabularError, read_rows
from motcua.text import search_key

from .metrics import METRICS
from .models import Criterion, Method, ReformArea, Scheme, SchemeStatus, Score
from .rules import FULL, ZERO, parse_rule, vn_plain

COLUMNS = ("code", "name", "max_points", "method", "metric", "rule", "no_data")
REQUIRED = ("code", "name", "max_points")
HEADER_ALIASES = {
    "mã": "code", "mã số": "code", "mã tiêu chí": "code", "stt": "code", "tt": "code",
    "nội dung": "name", "lĩnh vực, tiêu chí": "name", "lĩnh vực/tiêu chí": "name", "tiêu chí": "name", "tên": "name",
    "điểm tối đa": "max_points", "điểm": "max_points", "thang điểm": "max_points",
    "cách chấm": "method", "cách chấm điểm": "method", "hình thức chấm": "method",
    "chỉ tiêu tự động": "metric", "nguồn số liệu": "metric", "số liệu": "metric",
    "quy tắc": "rule", "quy tắc tính điểm": "rule", "cách tính điểm": "rule",
    "khi không có số liệu": "no_data",
}
COLUMN_LABELS = {"code": "Mã", "name": "Nội dung", "max_points": "Điểm tối đa", "method": "Cách chấm",
                 "metric": "Chỉ tiêu tự động", "rule": "Quy tắc tính điểm", "no_data": "Khi không có số liệu"}
# How the column "Cách chấm" may be written (compared without diacritics).
METHOD_WORDS = {
    "": Method.SELF, "self": Method.SELF, "don vi tu cham": Method.SELF, "tu cham": Method.SELF,
    "superior": Method.SUPERIOR, "cap tren cham": Method.SUPERIOR, "cap tren": Method.SUPERIOR, "tham dinh": Method.SUPERIOR,
    "computed": Method.COMPUTED, "tu dong": Method.COMPUTED, "tinh tu dong": Method.COMPUTED, "tu so lieu": Method.COMPUTED,
}
NO_DATA_WORDS = {"": ZERO, "0": ZERO, "0 diem": ZERO, "khong diem": ZERO, "du diem": FULL, "toi da": FULL, "full": FULL}
CODE = re.compile(r"\d{1,3}(\.\d{1,3}){0,3}")
# The seven fields of reform of the state programme (Nghị quyết 76/NQ-CP), as the example file names them.
REFORM_AREAS = (
    "Công tác chỉ đạo, điều hành", "Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy",
    "Cải cách chế độ công vụ", "Cải cách tài chính công", "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
)


@dataclass
class ImportReport:
    errors: list[str] = field(default_factory=list)
    areas: int = 0
    criteria: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    code: str
    name: str
    max_points: Decimal
    method: str
    metric: str
    rule: dict
    children: list = field(default_factory=list)


def _points(text: str) -> Decimal:
    number = Decimal(text.strip().replace(",", "."))
    if not number.is_finite() or number < 0 or number >= Decimal("100000"):
        raise InvalidOperation
    return number.quantize(Decimal("0.01"))


def _metric_key(text: str) -> str | None:
    key = search_key(text)
    for name, metric in METRICS.items():
        if key in (name, search_key(str(metric.label))):
            return name
    return None


def _check_row(row) -> tuple[_Row | None, list[str]]:
    problems = []
    code = row.get("code").rstrip(".")
    name = row.get("name")
    if not CODE.fullmatch(code):
        problems.append(_("the code “%(code)s” is not a number such as 1, 1.2 or 1.2.3") % {"code": code})
    if not name:
        problems.append(_("the content is empty"))
    try:
        max_points = _points(row.get("max_points"))
    except (InvalidOperation, ValueError):
        max_points = Decimal(0)
        problems.append(_("the maximum points “%(value)s” is not a number") % {"value": row.get("max_points")})
    method = METHOD_WORDS.get(search_key(row.get("method")))
    if method is None:
        problems.append(_("“%(value)s” is not a way of scoring (Đơn vị tự chấm, Cấp trên chấm or Tự động)")
                        % {"value": row.get("method")})
    metric, rule = "", {}
    if method == Method.COMPUTED:
        metric = _metric_key(row.get("metric")) or ""
        if not metric:
            problems.append(_("a computed criterion needs a record to compute from: “%(value)s” is none of %(keys)s")
                            % {"value": row.get("metric"), "keys": ", ".join(METRICS)})
        no_data = NO_DATA_WORDS.get(search_key(row.get("no_data")))
        if no_data is None:
            problems.append(_("“%(value)s” is neither “0 điểm” nor “Đủ điểm”") % {"value": row.get("no_data")})
            no_data = ZERO
        try:
            rule = parse_rule(row.get("rule"), no_data=no_data)
        except ValueError:
            problems.append(_("the rule “%(value)s” reads neither as a target (95) nor as bands (95=1; 80=0,5)")
                            % {"value": row.get("rule")})
    if problems:
        return None, problems
    return _Row(row.line, code, name, max_points, method, metric, rule), []


def _message(line: int, problems: list[str]) -> str:
    return _("Row %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}


def _check(rows) -> tuple[list[_Row], list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    parsed: dict[str, _Row] = {}
    ordered: list[_Row] = []
    for row in rows:
        checked, problems = _check_row(row)
        if checked is not None:
            if checked.code in parsed:
                problems.append(_("the code %(code)s is already on row %(line)s")
                                % {"code": checked.code, "line": parsed[checked.code].line})
            elif "." in checked.code:
                parent = checked.code.rsplit(".", 1)[0]
                if parent not in parsed:
                    problems.append(_("no row above it has the code %(code)s it belongs to") % {"code": parent})
                else:
                    parsed[parent].children.append(checked)
        if problems:
            errors.append((row.line, _message(row.line, problems)))
        else:
            parsed[checked.code] = checked
            ordered.append(checked)
    if not errors:
        for row in ordered:
            if row.children:
                total = sum((child.max_points for child in row.children), Decimal(0))
                if total != row.max_points:
                    errors.append((row.line, _message(row.line, [
                        _("its maximum %(max)s is not the sum of its %(count)s criteria below (%(sum)s)")
                        % {"max": vn_plain(row.max_points), "count": len(row.children), "sum": vn_plain(total)}])))
            elif "." not in row.code:
                errors.append((row.line, _message(row.line, [_("the field of reform %(code)s has no criterion")
                                                             % {"code": row.code}])))
        if not any("." not in row.code for row in ordered):
            errors.append((0, _("The file holds no field of reform (rows coded 1, 2, 3 …).")))
    return ordered, errors


def criteria_refusal(scheme: Scheme) -> str | None:
    """Why the scheme's criteria can no longer be changed (on screen or by a file), or None: units score against
    them from the moment the scheme is opened for self-scoring."""
    if scheme.status != SchemeStatus.DRAFT or Score.objects.filter(scorecard__scheme=scheme).exists():
        return _("Self-scoring has begun (the scheme was opened for scoring): the units score against these criteria, "
                 "so they can no longer be changed.")
    return None


def scheme_import(*, scheme: Scheme, source: str | BinaryIO, filename: str | None = None) -> ImportReport:
    """Replace ``scheme``'s fields of reform and criteria with the file's, or change nothing.

    Refused whole once self-scoring has begun (criteria_refusal). Raises TabularError when the file as a
    whole cannot be read."""
    rows = read_rows(source, filename=filename, required=REQUIRED, aliases=HEADER_ALIASES)
    if not rows:
        raise TabularError(_("The file has a header but no criterion below it."))
    return criteria_replace(scheme=scheme, rows=rows)


def criteria_replace(*, scheme: Scheme, rows: list[Row]) -> ImportReport:
    """Replace ``scheme``'s fields of reform and criteria with ``rows`` (from a file, or typed on screen: the
    same columns, the same checks), all of them or none, with one message per bad row."""
    report = ImportReport()
    refusal = criteria_refusal(scheme)
    if refusal:
        report.errors.append(refusal)
        return report
    ordered, errors = _check(rows)
    if errors:
        messages = [message for _line, message in sorted(errors, key=lambda error: error[0])]
        if len(messages) > MAX_NAMED_ROWS:
            messages = messages[:MAX_NAMED_ROWS] + [_("… and %(count)s more row(s).") % {"count": len(messages) - MAX_NAMED_ROWS}]
        report.errors = [_("Nothing was saved:"), *messages]
        return report
    with transaction.atomic():
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        if criteria_refusal(scheme):  # opened meanwhile
            report.errors.append(criteria_refusal(scheme))
            return report
        scheme.criteria.all().delete()
        scheme.areas.all().delete()
        areas: dict[str, ReformArea] = {}
        criteria: dict[str, Criterion] = {}
        for position, row in enumerate(ordered):
            if "." not in row.code:
                areas[row.code] = ReformArea.objects.create(scheme=scheme, code=row.code, name=row.name,
                                                            max_points=row.max_points, position=position)
                report.areas += 1
                continue
            parent_code = row.code.rsplit(".", 1)[0]
            criteria[row.code] = Criterion.objects.create(
                scheme=scheme, area=areas[row.code.split(".", 1)[0]], parent=criteria.get(parent_code),
                code=row.code, name=row.name, max_points=row.max_points, method=row.method, metric=row.metric,
                rule=row.rule, position=position, is_scored=not row.children,
            )
            report.criteria += 1
    return report


def criteria_rows(scheme: Scheme) -> list[dict]:
    """The scheme's fields of reform and criteria in the columns of the file (for the on-screen editor)."""
    from .rules import rule_input

    rows = [(area.position, {"code": area.code, "name": area.name, "max_points": vn_plain(area.max_points), "method": "",
                             "metric": "", "rule": "", "no_data": ""}) for area in scheme.areas.all()]
    for criterion in scheme.criteria.all():
        computed = criterion.method == Method.COMPUTED
        rows.append((criterion.position, {
            "code": criterion.code, "name": criterion.name, "max_points": vn_plain(criterion.max_points),
            "method": criterion.method if criterion.is_scored else "", "metric": criterion.metric if computed else "",
            "rule": rule_input(criterion.rule) if computed else "",
            "no_data": FULL if computed and criterion.rule.get("no_data") == FULL else "",
        }))
    return [values for _position, values in sorted(rows, key=lambda row: row[0])]
