"""The development install, as `make run` runs it: no SECRET_KEY, no DATABASE_URL, no REDIS_URL, so an SQLite
file in the var/ directory and Celery tasks run in-process.

The demo is migrated and loaded into a fresh SQLite file, then the demo's desk officer of Ngọc Kỳ signs in,
takes in a dossier through the intake form, finds it on her board (by code and by the citizen's name typed
without diacritics), and the citizen looks it up on the public page. Everything runs in subprocesses with
the development environment, so the PostgreSQL test database is never touched.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_DESK, DEMO_PASSWORD = "ngocky.motcua", "motcua-demo-2026"


def development_env(var_dir: Path) -> dict:
    """The environment of `make run`: nothing set but where var/ is (a temporary directory here)."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(var_dir)), "LANG": "C.UTF-8",
            "MOTCUA_VAR_DIR": str(var_dir)}


def run(args: list[str], env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args[:2])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result


@pytest.fixture(scope="module")
def demo_install(tmp_path_factory):
    """`migrate` and `seed_demo` on a fresh SQLite file, in a var/ directory the settings create."""
    var_dir = tmp_path_factory.mktemp("install") / "var"  # not there yet: the settings make it
    env = development_env(var_dir)
    migrate = run(["manage.py", "migrate", "--noinput"], env)
    seed = run(["manage.py", "seed_demo"], env)
    return {"var_dir": var_dir, "env": env, "migrate": migrate.stdout, "seed": seed.stdout}


def test_the_demo_loads_into_a_fresh_sqlite_file_in_var(demo_install):
    database = demo_install["var_dir"] / "motcua.sqlite3"
    assert database.is_file() and database.read_bytes()[:16] == b"SQLite format 3\x00"
    assert "Applying dossiers.0001_initial... OK" in demo_install["migrate"]
    seed = demo_install["seed"]
    assert "motcua: {'units': 25" in seed  # Tứ Kỳ, its 23 communes and towns, and the province
    assert "dossiers: {'dossiers': " in seed and "dossiers: {'dossiers': 0," not in seed
    assert f"password for all, demo only: {DEMO_PASSWORD}" in seed
    assert DEMO_DESK in seed


JOURNEY = textwrap.dedent('''
    import json, os
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # the test client's host and in-memory e-mail; the database stays the SQLite file
    from dossiers.models import Dossier

    seen = {"engine": settings.DATABASES["default"]["ENGINE"], "eager": settings.CELERY_TASK_ALWAYS_EAGER,
            "debug": settings.DEBUG}
    desk = Client()
    response = desk.post(reverse("login"), {"username": "%(desk)s", "password": "%(password)s"})
    seen["sign_in"] = [response.status_code, response.get("Location")]
    seen["intake_form"] = desk.get(reverse("dossiers:intake")).status_code
    response = desk.post(reverse("dossiers:intake"), {
        "procedure": "1.001193", "applicant_name": "Đỗ Thị Hạnh Nguyên", "applicant_id_number": "030192004321",
        "applicant_phone": "0987 654 321", "applicant_address": "Thôn Đông, Ngọc Kỳ", "applicant_email": "",
        "applicant_kind": "person", "channel": "direct", "components_digitised": "none", "handling_unit": "",
        "received_at": "", "notes": "", "refusal_reason": "", "receive": "1",
    })
    seen["intake"] = [response.status_code, response.get("Location")]
    dossier = Dossier.objects.get(applicant_name="Đỗ Thị Hạnh Nguyên")
    seen["dossier"] = {"code": dossier.code, "status": dossier.status, "unit": dossier.receiving_unit.code,
                       "by": dossier.received_by.username, "due_after_received": dossier.due_at > dossier.received_at}
    seen["on_board"] = dossier.code in desk.get(reverse("dossiers:board")).content.decode()
    seen["board_by_code"] = dossier.code in desk.get(reverse("dossiers:board"), {"q": dossier.code}).content.decode()
    by_name = desk.get(reverse("dossiers:board"), {"q": "do thi hanh nguyen"}).content.decode()
    seen["board_by_name"] = dossier.code in by_name
    page = desk.get(reverse("dossiers:detail", args=[dossier.code]))
    seen["detail"] = [page.status_code, "Đỗ Thị Hạnh Nguyên" in page.content.decode()]

    citizen = Client()
    found = citizen.get(reverse("lookup:lookup"), {"code": dossier.code, "phone4": "4321"})
    html = found.content.decode()
    seen["lookup"] = [found.status_code, 'data-testid="lookup-result"' in html, dossier.code in html,
                      "Đỗ Thị Hạnh Nguyên" in html, "030192004321" in html]
    wrong = citizen.get(reverse("lookup:lookup"), {"code": dossier.code, "phone4": "0000"}, REMOTE_ADDR="198.51.100.9")
    html = wrong.content.decode()
    seen["lookup_wrong_digits"] = [wrong.status_code, 'data-testid="lookup-result"' in html,
                                   'data-testid="lookup-not-found"' in html]
    print(json.dumps(seen))
''') % {"desk": DEMO_DESK, "password": DEMO_PASSWORD}


def test_the_demo_desk_officer_receives_a_dossier_that_her_board_and_the_public_lookup_show(demo_install):
    result = run(["-c", JOURNEY], demo_install["env"])
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert (seen["engine"], seen["eager"], seen["debug"]) == ("django.db.backends.sqlite3", True, True)
    assert seen["sign_in"][0] == 302 and seen["intake_form"] == 200
    dossier = seen["dossier"]
    assert seen["intake"] == [302, f"/ho-so/{dossier['code']}/?received=1"]
    assert dossier["code"].startswith("000.") and dossier["status"] == "received"
    assert (dossier["unit"], dossier["by"], dossier["due_after_received"]) == ("11089", DEMO_DESK, True)
    assert seen["on_board"] and seen["board_by_code"]
    assert seen["board_by_name"]  # the name typed without diacritics: the key SQLite computes in Python
    assert seen["detail"] == [200, True]
    assert seen["lookup"] == [200, True, True, False, False]  # the code and its status, nothing personal
    assert seen["lookup_wrong_digits"] == [200, False, True]


REPORT = textwrap.dedent('''
    import json, os
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    setup_test_environment()
    from reports.models import ReportRun

    leader = Client()
    leader.post(reverse("login"), {"username": "ngocky.lanhdao", "password": "%(password)s"})
    period = f"{timezone.localdate().year - 1}-Q4"
    response = leader.post(reverse("reports:request"), {"unit": "11089", "period": period, "format": "xlsx",
                                                       "number": "", "signer_name": "", "assessment": "", "tasks": "",
                                                       "proposals": ""})
    run = ReportRun.objects.get()
    download = leader.get(reverse("reports:download", args=[run.pk]))
    print(json.dumps({"redirect": [response.status_code, response.get("Location")], "run": run.pk,
                      "status": run.status, "error": run.error, "attempts": run.attempts,
                      "download": [download.status_code, b"".join(download).startswith(b"PK")]}))
''') % {"password": DEMO_PASSWORD}


def test_a_report_is_built_in_process_without_a_broker(demo_install):
    """No REDIS_URL: the Celery task runs when the request commits, so the run is done before the page shows."""
    result = run(["-c", REPORT], demo_install["env"])
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["redirect"] == [302, f"/bao-cao/lan-xuat/{seen['run']}/"]
    assert (seen["status"], seen["error"], seen["attempts"]) == ("done", "", 1)
    assert seen["download"] == [200, True]  # an Excel workbook (a zip)


def test_the_benchmark_refuses_the_sqlite_install(demo_install):
    result = subprocess.run([sys.executable, "manage.py", "bench"], cwd=ROOT, env=demo_install["env"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "The benchmark runs on PostgreSQL" in result.stderr
