"""Every rule in one place, read off the code: the subtree condition is written only in motcua.scope,
sets of roles only in motcua.permissions, and the table answers "who may resolve a dossier" in one row.

These read the source, not the database: they fail the day a second copy of a rule appears.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from motcua.models import Role
from motcua.permissions import HANDLING, RULES

ROOT = Path(__file__).resolve().parents[2]
APPS = ("motcua", "procedures", "dossiers", "reports")
# The benchmark builds its own province and measures raw SQL beside the portal's; the demo seeds users.
OUTSIDE_THE_PORTAL = ("reports/bench/", "/migrations/", "/demo.py", "management/commands/seed_demo.py")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not any(part in relative for part in OUTSIDE_THE_PORTAL):
                yield relative, path.read_text(encoding="utf-8")


def test_the_subtree_condition_is_written_only_in_the_scope_module():
    offenders = [
        f"{name}:{number}"
        for name, text in _sources()
        if name != "motcua/scope.py"
        for number, line in enumerate(text.splitlines(), 1)
        if "path__startswith" in line
    ]
    assert offenders == []


ROLE_SET = re.compile(r"[{(\[]\s*Role\.\w+\s*,\s*Role\.\w+")


def test_sets_of_roles_are_written_only_in_the_permission_table():
    offenders = [
        f"{name}:{number}"
        for name, text in _sources()
        if name != "motcua/permissions.py"
        for number, line in enumerate(text.splitlines(), 1)
        if ROLE_SET.search(line) or re.search(r"\.role\s*(==|!=|in|not in)\b", line)
    ]
    assert offenders == []


def test_who_may_resolve_a_dossier_is_one_row():
    rule = RULES["dossier.resolve"]
    assert rule.roles == {Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR}
    assert rule.where == HANDLING


@pytest.mark.parametrize("action", sorted(RULES))
def test_every_action_of_the_table_is_asked_somewhere(action):
    """A row nobody asks is a rule nobody enforces."""
    asked = any(f'"{action}"' in text or f"'{action}'" in text or '"dossier.{' in text and action.startswith("dossier.")
                for name, text in _sources() if name != "motcua/permissions.py")
    templates = any(f'"{action}"' in path.read_text(encoding="utf-8") for path in (ROOT / "templates").rglob("*.html"))
    assert asked or templates, f"{action} is in the table but no code asks it"


# -- rules that were written twice once (the review of the last session) ------------------------------------

ALL_APPS = (*APPS, "cchc", "notices")
# Files whose owners have yet to move to the one helper (each is named in the report that left it here).
PENDING: dict[str, set[str]] = {"signed tokens": set(), "moments": set()}  # files still to move onto the one rule


def _lines(*, apps=ALL_APPS):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if any(part in relative for part in OUTSIDE_THE_PORTAL):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield relative, number, line


def _written_outside(pattern: str, home: set[str]) -> list[str]:
    found = re.compile(pattern)
    return [f"{name}:{number}" for name, number, line in _lines() if name not in home and found.search(line)]


def test_the_vietnamese_phone_pattern_is_written_once_beside_the_normalisation():
    # dossiers.selectors: PHONE_PATTERN, normalise_phone, sms_phone (the desk form and the notices use them).
    assert _written_outside(r"0\\d\{9\}|len\(phone\)\s*==\s*10|\"\+84\"", {"dossiers/selectors.py"}) == []


def test_tokens_are_signed_only_through_motcua_tokens():
    pattern = r"signing\.(dumps|loads)|TimestampSigner|\bSigner\(|core import signing"
    assert _written_outside(pattern, {"motcua/tokens.py", *PENDING["signed tokens"]}) == []


def test_the_code_and_phone_digits_are_asked_and_compared_in_one_module():
    # dossiers.public.forms: CodeAndDigitsForm (lookup, rating, ticket follow-up) and digits_match.
    assert _written_outside(r"\^\\d\{4\}\$|compare_digest|phone4 = forms\.", {"dossiers/public/forms.py"}) == []


def test_a_moment_for_people_is_formatted_only_by_vn_moment():
    home = {"motcua/text.py", "motcua/formats/vi/formats.py", *PENDING["moments"]}
    assert _written_outside(r"%H:%M %d/%m/%Y|H:i d/m/Y", home) == []


def test_the_length_of_a_failure_s_reason_is_one_constant():
    assert _written_outside(r"^\s*REASON_CHARS\s*=", {"motcua/sms.py"}) == []


def test_the_chain_of_successions_is_walked_only_by_motcua():
    # UnitLineage (kept by motcua.services.units_rebuild_lineage) answers "who took over whose dossiers".
    offenders = [f"{name}:{number}" for name, number, line in _lines()
                 if not name.startswith("motcua/") and "UnitSuccession" in line]
    assert offenders == []


def test_a_day_after_today_is_refused_by_one_rule_in_one_wording():
    assert _written_outside(r"is after today|> (local_)?today\b|> local_today\(\)", {"motcua/models.py", "motcua/services.py"}) == []


def test_the_in_force_interval_is_written_only_in_in_force_q():
    assert _written_outside(r"(valid_to|effective_until)__gte", {"motcua/models.py"}) == []
