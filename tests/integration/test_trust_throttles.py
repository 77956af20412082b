"""Issue 14, "addresses behind a proxy, and Redis down": throttles count the address our own proxies vouch
for (TRUSTED_PROXY_COUNT), never one the client wrote; they keep holding while Redis is stopped, without
refusing an honest citizen; and a report request never waits on a dead broker."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from dossiers.models import FeedbackTicket
from dossiers.public import antispam
from reports.models import ReportRun
from tests.factories import PASSWORD
from tests.integration.test_redis_down import RedisDown

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOOKUP = reverse("lookup:lookup")
LOGIN = reverse("login")
NGINX = "172.18.0.1"  # REMOTE_ADDR: the proxy in front of gunicorn
EDGE = "198.51.100.2"  # an outer proxy (a provincial gateway) in front of nginx


def look_up(client, address="198.51.100.7", forwarded=None, code="000.01.12.H23-260116-0001"):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.get(LOOKUP, {"code": code, "phone4": "0000"}, REMOTE_ADDR=address, **extra)


def sign_in(client, password, address="10.0.0.1", forwarded=None, username="desk.a"):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def locked(response) -> bool:
    form = response.context["form"] if response.context else None
    return response.status_code == 200 and form is not None and "locked" in [e.code for e in form.errors.as_data()["__all__"]]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# -- 1. addresses behind a proxy -----------------------------------------------------------------------


def django_setup(env: dict) -> subprocess.CompletedProcess:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='motcua.settings'; django.setup();"
            "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)")
    base = {"PATH": os.environ["PATH"], "MOTCUA_VAR_DIR": env.pop("MOTCUA_VAR_DIR")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True)


def test_trusted_proxy_count_comes_from_the_environment_and_a_bad_value_stops_the_portal(tmp_path):
    var = str(tmp_path)
    assert django_setup({"MOTCUA_VAR_DIR": var}).stdout.strip() == "0"
    assert django_setup({"MOTCUA_VAR_DIR": var, "BEHIND_PROXY": "1"}).stdout.strip() == "1"
    assert django_setup({"MOTCUA_VAR_DIR": var, "BEHIND_PROXY": "1", "TRUSTED_PROXY_COUNT": "2"}).stdout.strip() == "2"
    for bad in ("two", "-1", "1.5"):
        out = django_setup({"MOTCUA_VAR_DIR": var, "BEHIND_PROXY": "1", "TRUSTED_PROXY_COUNT": bad})
        assert out.returncode != 0 and "ImproperlyConfigured" in out.stderr and "TRUSTED_PROXY_COUNT" in out.stderr, bad


def test_docker_compose_trusts_one_proxy_and_says_so():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "BEHIND_PROXY: ${BEHIND_PROXY:-1}" in compose
    assert "TRUSTED_PROXY_COUNT: ${TRUSTED_PROXY_COUNT:-1}" in compose
    readme = (ROOT / "README.md").read_text()
    assert "`TRUSTED_PROXY_COUNT`" in readme and "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in readme


def test_one_proxy_the_lookup_limit_counts_the_address_it_appended_whatever_the_client_prepends(client, settings, trust):
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(10):
        assert look_up(client, NGINX, f"10.6.6.{number}, 203.0.113.40").status_code == 200
    refused = look_up(client, NGINX, "10.6.6.99, 203.0.113.40")
    assert refused.status_code == 429
    assert look_up(client, NGINX, "203.0.113.41").status_code == 200  # another citizen behind the same proxy
    trust("proxy: forged X-Forwarded-For entries refused a way round the limits", 11)


def test_two_proxies_the_address_the_outer_one_appended_is_counted(client, settings, trust):
    settings.TRUSTED_PROXY_COUNT = 2
    # The client forges an entry; the edge proxy appends the client, nginx appends the edge.
    for number in range(10):
        assert look_up(client, NGINX, f"10.6.6.{number}, 203.0.113.50, {EDGE}").status_code == 200
    assert look_up(client, NGINX, f"10.6.6.99, 203.0.113.50, {EDGE}").status_code == 429
    # Another citizen behind the same two proxies is not refused for the first one's tries.
    assert look_up(client, NGINX, f"203.0.113.51, {EDGE}").status_code == 200
    # A header with fewer entries than proxies names no one we trust: REMOTE_ADDR is counted.
    for _ in range(10):
        assert look_up(client, "192.0.2.9", "203.0.113.52").status_code == 200
    assert look_up(client, "192.0.2.9", "203.0.113.53").status_code == 429
    trust("proxy: forged X-Forwarded-For entries refused a way round the limits", 22)


def test_two_proxies_a_forged_header_does_not_escape_the_sign_in_lockout(client, settings, desk_a, trust):
    settings.TRUSTED_PROXY_COUNT = 2
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong-password", NGINX, f"10.7.7.{number}, 203.0.113.60, {EDGE}")
    response = sign_in(client, PASSWORD, NGINX, f"10.7.7.99, 203.0.113.60, {EDGE}")
    assert locked(response) and not signed_in(client)
    # The same officer at another computer behind the same proxies is not locked out by it.
    assert sign_in(client, PASSWORD, NGINX, f"203.0.113.61, {EDGE}").status_code == 302 and signed_in(client)
    trust("proxy: forged X-Forwarded-For entries refused a way round the limits", settings.LOGIN_FAILURE_LIMIT + 2)


def test_without_a_proxy_the_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT, settings.TRUST_X_FORWARDED_FOR = 0, False
    for number in range(10):
        look_up(client, "203.0.113.70", f"10.8.8.{number}")
    assert look_up(client, "203.0.113.70", "10.8.8.99").status_code == 429


# -- 2. Redis down: every throttle holds, none refuses an honest request -------------------------------


@pytest.fixture
def redis_down(settings):
    down = RedisDown(settings)
    yield down
    down.back()


def test_the_sign_in_lockout_holds_while_redis_is_down(client, redis_down, desk_a, settings, trust):
    for _ in range(8):
        sign_in(client, "wrong-password")
    response = sign_in(client, PASSWORD)
    assert locked(response) and not signed_in(client)
    trust("fault: throttles that held while Redis was down", 1)


def test_a_lockout_holds_across_the_outage_and_after_it(client, settings, desk_a):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong-password")
    down = RedisDown(settings)
    try:
        assert locked(sign_in(client, PASSWORD))
    finally:
        down.back()
    assert locked(sign_in(client, PASSWORD)) and not signed_in(client)


def test_the_lookup_limit_holds_while_redis_is_down(client, redis_down, trust):
    for _ in range(10):
        assert look_up(client, "203.0.113.80").status_code == 200
    refused = look_up(client, "203.0.113.80")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert look_up(client, "203.0.113.81").status_code == 200
    trust("fault: throttles that held while Redis was down", 1)


def feedback(unit, token) -> dict:
    return {"unit": unit.code, "sender_name": "Lê Văn Cường", "sender_contact": "0912 345 678",
            "sender_address": "Thôn Đông, xã Ngọc Kỳ", "content": "Thời gian giải quyết thủ tục quá lâu so với niêm yết.",
            "procedure_code": "", "dossier_code": "", "homepage": "", "form_token": token}


def test_a_fresh_feedback_is_accepted_while_redis_is_down_and_sent_only_once(client, redis_down, commune_a, trust):
    token = antispam.issue_token(at=time.time() - 30)
    first = client.post(reverse("tickets:submit"), feedback(commune_a, token), REMOTE_ADDR="203.0.113.90")
    assert first.status_code == 302, first.content.decode()[:2000]
    again = client.post(reverse("tickets:submit"), feedback(commune_a, token), REMOTE_ADDR="203.0.113.90")
    assert again.status_code == 400
    assert FeedbackTicket.objects.count() == 1
    for _ in range(4):  # five tickets an hour from one address, Redis or not
        fresh = antispam.issue_token(at=time.time() - 30)
        assert client.post(reverse("tickets:submit"), feedback(commune_a, fresh), REMOTE_ADDR="203.0.113.90").status_code == 302
    sixth = antispam.issue_token(at=time.time() - 30)
    assert client.post(reverse("tickets:submit"), feedback(commune_a, sixth), REMOTE_ADDR="203.0.113.90").status_code == 429
    assert FeedbackTicket.objects.count() == 5
    trust("fault: throttles that held while Redis was down", 2)


def test_a_token_used_while_redis_was_down_stays_used_when_it_is_back(client, settings, commune_a):
    token = antispam.issue_token(at=time.time() - 30)
    down = RedisDown(settings)
    try:
        assert client.post(reverse("tickets:submit"), feedback(commune_a, token), REMOTE_ADDR="203.0.113.91").status_code == 302
    finally:
        down.back()
    assert client.post(reverse("tickets:submit"), feedback(commune_a, token), REMOTE_ADDR="203.0.113.91").status_code == 400
    assert FeedbackTicket.objects.count() == 1


# -- 3. a request never waits on a dead broker ---------------------------------------------------------


class BrokerAndResultsDown(RedisDown):
    """As RedisDown, and the result backend (Redis too) pointed at the same closed port."""

    def __init__(self, settings):
        from motcua.celery import app

        super().__init__(settings)
        self.app, self.result_backend = app, app.conf.result_backend
        self.backend = getattr(app._local, "backend", None)
        app.conf.result_backend = self.url
        if hasattr(app._local, "backend"):
            del app._local.backend

    def back(self) -> None:
        if self.down:
            self.app.conf.result_backend = self.result_backend
            if self.backend is not None:
                self.app._local.backend = self.backend
            elif hasattr(self.app._local, "backend"):
                del self.app._local.backend
        super().back()


@pytest.mark.django_db(transaction=True)
def test_a_report_request_answers_at_once_and_stays_queued_while_redis_is_down(client, settings, district,
                                                                               district_officer, trust):
    assert client.login(username=district_officer.username, password=PASSWORD)
    down = BrokerAndResultsDown(settings)
    try:
        started = time.monotonic()
        response = client.post(reverse("reports:request"), {"unit": district.code, "period": "2026-Q1", "format": "json"},
                               follow=True)
        elapsed = time.monotonic() - started
    finally:
        down.back()
    assert response.status_code == 200
    assert elapsed < 2, f"{elapsed:.1f} s"  # a fault bound; the speed targets are `make bench`'s
    run = ReportRun.objects.get()
    assert (run.status, run.sent_at) == ("queued", None)  # the beat's requeue sends it once Redis is back
    messages = [str(message) for message in response.context["messages"]]
    assert any("hàng đợi" in message for message in messages), messages
    trust("fault: report requests kept queued while Redis was down", 1)
