"""Redis stopped: every page still works, and a report request stays queued until Redis is back."""
import socket
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.urls import reverse

from motcua.celery import app as celery_app
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here any more
    return port


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": "motcua.cache.ResilientRedisCache", "LOCATION": url}}
    caches["default"]  # Django rebuilt the cache handlers when CACHES changed
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    pools = (celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh pools for the dead broker; the real ones are left untouched for the tests that follow.
    celery_app._pool = celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, False
    yield url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    celery_app._pool, celery_app.amqp._producer_pool = pools


def test_sign_in_and_the_desk_work_while_redis_is_down(client, redis_down, desk_officer_a):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "desk.a", "password": PASSWORD})
    assert response.status_code == 302
    for name in ["motcua:home", "dossiers:board", "procedures:procedure-list", "motcua:working-calendar"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_the_public_lookup_answers_while_redis_is_down(client, redis_down):
    response = client.get(reverse("lookup:lookup"), {"code": "000.01.12.H23-260116-0001", "phone4": "1234"})
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_report_request_stays_queued_and_is_sent_when_redis_is_back(redis_down, district, district_officer):
    from reports.models import ReportRun
    from reports.periods import parse_period
    from reports.services import report_request, report_requeue_waiting

    run = report_request(unit=district, period=parse_period("2026-Q1"), fmt="json", by=district_officer)
    run.refresh_from_db()
    assert run.status == "queued"
    assert report_requeue_waiting(older_than=timedelta(0)) == 0  # still down: nothing sent
    assert ReportRun.objects.get(pk=run.pk).status == "queued"
