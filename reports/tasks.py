"""Thin Celery tasks over reports.services: they take ids (or nothing) and call a service.

``generate_report`` is acknowledged late: a worker killed mid-job leaves the message to be
delivered again, and the conditional claim in ``report_generate`` makes sure one file comes out.
"""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from django.conf import settings

from .models import ReportRun
from .services import MAX_ATTEMPTS, report_draft_quarter, report_generate, stale_after, submission_remind_missing

# A job alive (its heartbeat beating) may run as long as it needs up to REPORT_TIME_LIMIT_SECONDS
# (30 minutes), below Redis's visibility timeout; the soft limit half a minute before, so that the
# run is marked failed with its reason rather than killed.
TIME_LIMIT = settings.REPORT_TIME_LIMIT_SECONDS
SOFT_TIME_LIMIT = max(1, TIME_LIMIT - min(30, TIME_LIMIT // 10))


@shared_task(
    bind=True,
    name="reports.generate_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_ATTEMPTS - 1,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def generate_report(self, run_id: int) -> str:
    if self.request.is_eager:
        return _generate_in_process(run_id)
    try:
        run = report_generate(run_id)
    except ReportRun.DoesNotExist:  # deleted since it was requested: nothing to do
        return "gone"
    if run.is_active:
        # Another worker holds the claim (or held it and died): look again once its heartbeat can go stale.
        last_sign = run.heartbeat_at or run.started_at or timezone.now()
        countdown = max(5, int((last_sign + stale_after() - timezone.now()).total_seconds()) + 5)
        raise self.retry(countdown=countdown, max_retries=self.request.retries + 1)
    return run.status


def _generate_in_process(run_id: int) -> str:
    """Without a broker (development) the task runs in the request: the attempts follow each other
    here, and a failure stays on the run instead of breaking the page."""
    for _attempt in range(MAX_ATTEMPTS):
        try:
            return report_generate(run_id, heartbeat=False).status
        except ReportRun.DoesNotExist:
            return "gone"
        except Exception:  # recorded on the run by report_generate; try again while attempts remain
            continue
    return ReportRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or "gone"


@shared_task(name="reports.draft_quarterly_reports")
def draft_quarterly_reports() -> int:
    """Daily; on the 15th of March, June, September and December drafts the closed quarter's reports."""
    return len(report_draft_quarter(today=timezone.localdate()))


@shared_task(name="reports.remind_missing_submissions")
def remind_missing_submissions() -> int:
    """Daily; on the 17th of the quarter's last month reminds the units that have not submitted."""
    return len(submission_remind_missing(today=timezone.localdate()))


@shared_task(name="reports.send_daily_digests")
def send_daily_digests() -> int:
    """Every morning; on working days each officer gets the early warnings of their unit."""
    from .notify import digest_send_all

    return digest_send_all(now=timezone.now())


@shared_task(name="reports.requeue_waiting_runs")
def requeue_waiting_runs() -> int:
    """Every minute: runs never sent (the broker was down), or sent so long ago that the message was lost,
    are sent again; a run whose worker died (no heartbeat) is sent once more, or marked failed."""
    from .services import report_requeue_waiting

    return report_requeue_waiting()
