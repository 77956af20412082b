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
