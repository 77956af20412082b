"""The shell: Vietnamese pages and formats, error pages, no outside asset, production settings."""
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-8f3a9c1e7b",
        "ALLOWED_HOSTS": "motcua.tuky.haiduong.gov.vn",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_development_defaults_need_no_environment(tmp_path):
    env = {"PATH": os.environ["PATH"], "MOTCUA_VAR_DIR": str(tmp_path)}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='motcua.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["django.db.backends.sqlite3", "True", "True", "vi", "Asia/Ho_Chi_Minh"], out.stderr


def test_a_bad_setting_fails_loudly():
    env = {"PATH": os.environ["PATH"], "DEBUG": "maybe", "DJANGO_SETTINGS_MODULE": "motcua.settings"}
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "DEBUG must be a boolean" in out.stderr


@pytest.mark.django_db
def test_the_home_page_renders_in_vietnamese(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    page = client.get(reverse("motcua:home")).content.decode()
    assert '<html lang="vi">' in page
    for words in ["Trang chủ", "Đơn vị", "Đăng xuất", "Xã Ngọc Kỳ"]:
        assert words in page


def test_numbers_and_dates_are_written_the_vietnamese_way():
    with translation.override("vi"):
        rendered = Template(
            "{% load humanize %}{{ n|intcomma }}|{{ rate|floatformat:2 }}|{{ day|date:'SHORT_DATE_FORMAT' }}|{{ big }}"
        ).render(Context({"n": 1639, "rate": Decimal("71.0189"), "day": date(2022, 12, 14), "big": 138187}))
    assert rendered == "1.639|71,02|14/12/2022|138.187"


@pytest.mark.django_db
def test_an_unknown_page_answers_404_in_vietnamese(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


@pytest.mark.django_db
def test_pages_load_nothing_from_outside(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    for url in [reverse("login"), reverse("motcua:home"), reverse("motcua:unit-list"), reverse("motcua:working-calendar")]:
        page = client.get(url).content.decode()
        outside = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', page)
        assert outside == [], (url, outside)


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_every_source_string_has_a_vietnamese_translation():
    po = ROOT / "motcua/locale/vi/LC_MESSAGES/django.po"
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")
    entries = catalogue(po)
    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    mo = ROOT / "motcua/locale/vi/LC_MESSAGES/django.mo"
    assert mo.exists() and mo.stat().st_mtime >= (ROOT / "motcua/locale/vi/LC_MESSAGES/django.po").stat().st_mtime - 1


@pytest.mark.skipif(subprocess.run(["which", "xgettext"], capture_output=True).returncode != 0, reason="needs gettext")
def test_the_catalogue_is_up_to_date_with_the_source(tmp_path):
    """A new source string without a translation fails here, not in front of a desk officer."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".tools", "var", ".git", "staticfiles", "tests"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "--no-obsolete"],
        cwd=copy, check=True, capture_output=True, env={**os.environ, "DATABASE_URL": ""},
    )
    fresh = catalogue(copy / "motcua/locale/vi/LC_MESSAGES/django.po")
    current = catalogue(ROOT / "motcua/locale/vi/LC_MESSAGES/django.po")
    assert set(fresh) - set(current) == set()


def catalogue(path: Path) -> dict[str, str]:
    """msgid → msgstr (or msgstr[0]) of a .po file, multi-line strings joined."""
    entries, key, field = {}, None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(msgid|msgstr(?:\[0\])?|msgid_plural|msgctxt) "(.*)"$', line)
        if match:
            field = match.group(1)
            if field == "msgid":
                key = match.group(2)
                entries[key] = ""
            elif field.startswith("msgstr") and field != "msgstr[1]":
                entries[key] = match.group(2)
        elif line.startswith('"') and key is not None:
            if field == "msgid":
                entries.pop(key, None)
                key += line[1:-1]
                entries[key] = ""
            elif field and field.startswith("msgstr"):
                entries[key] += line[1:-1]
        elif not line.strip():
            field = None
    entries.pop("", None)
    return entries


def test_working_sessions_that_do_not_make_eight_hours_are_refused():
    """13:30–17:00 is 7.5 hours with the morning session: the portal refuses to start."""
    env = {"PATH": os.environ["PATH"], "WORKING_SESSIONS": "07:30-11:30,13:30-17:00"}
    out = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "motcua.E001" in out.stderr


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client, desk_officer_a):
    for response in [client.get(reverse("login")), client.get("/khong-co/")]:
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp  # no inline script, no inline style
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_of_a_signed_in_user_are_never_cached(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    response = client.get(reverse("motcua:home"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
