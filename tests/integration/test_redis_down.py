"""Redis stopped: every page still works, and a report request stays queued until Redis is back."""
import socket
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.urls import reverse

from motcua.celery import app as celery_app
from tests.factories import PASSWORD
from tests.workers import celery_worker

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here any more
    return port


class RedisDown:
    """The cache and the broker pointed at a closed port; ``back()`` restores the real Redis."""

    def __init__(self, settings):
        self.settings, self.url = settings, f"redis://127.0.0.1:{closed_port()}/0"
        self.caches = settings.CACHES
        settings.CACHES = {"default": {**self.caches["default"], "BACKEND": "motcua.cache.ResilientRedisCache",
                                       "LOCATION": self.url}}
        caches["default"]  # Django rebuilt the cache handlers when CACHES changed
        self.previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
        self.pools = (celery_app._pool, celery_app.amqp._producer_pool)
        # Fresh pools for the dead broker; the real ones are left untouched for the tests that follow.
        celery_app._pool = celery_app.amqp._producer_pool = None
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = self.url, False
        self.down = True

    def back(self) -> None:
        if not self.down:
            return
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = self.previous
        celery_app._pool, celery_app.amqp._producer_pool = self.pools
        self.settings.CACHES = self.caches
        self.down = False


@pytest.fixture
def redis_down(settings):
    down = RedisDown(settings)
    yield down
    down.back()


def test_sign_in_and_the_desk_work_while_redis_is_down(client, redis_down, desk_officer_a, trust):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "desk.a", "password": PASSWORD})
    assert response.status_code == 302
    pages = ["motcua:home", "dossiers:board", "procedures:procedure-list", "motcua:working-calendar"]
    for name in pages:
        assert client.get(reverse(name)).status_code == 200, name
    trust("fault: requests answered while Redis was down", 2 + len(pages))  # the sign-in page and its POST too


def test_the_public_lookup_answers_while_redis_is_down(client, redis_down, trust):
    response = client.get(reverse("lookup:lookup"), {"code": "000.01.12.H23-260116-0001", "phone4": "1234"})
    assert response.status_code == 200
    trust("fault: requests answered while Redis was down", 1)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_report_request_stays_queued_and_is_sent_when_redis_is_back(redis_down, settings, tmp_path, district,
                                                                      district_officer, trust):
    from reports.models import ReportRun
    from motcua.periods import parse_period
    from reports.services import report_request, report_requeue_waiting

    run = report_request(unit=district, period=parse_period("2026-Q1"), fmt="json", by=district_officer)
    run.refresh_from_db()
    assert run.status == "queued"
    assert report_requeue_waiting(older_than=timedelta(0)) == 0  # still down: nothing sent
    assert ReportRun.objects.get(pk=run.pk).status == "queued"
    trust("fault: report requests kept queued while Redis was down", 1)

    # Redis is back: the beat's requeue sends the waiting run, and a real worker does it once.
    redis_down.back()
    settings.MEDIA_ROOT = tmp_path / "media"
    assert report_requeue_waiting(older_than=timedelta(0)) == 1
    with celery_worker(settings.MEDIA_ROOT) as worker:
        worker.wait_for(run)
    assert (run.status, run.attempts) == ("done", 1), (run.status, run.error, worker.output)
    assert ReportRun.objects.count() == 1 and run.file
    trust("fault: report requests done by a worker once Redis was back", 1)
