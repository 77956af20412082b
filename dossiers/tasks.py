"""Thin Celery tasks over dossiers.scan_jobs: they take ids and call a service.

``run_scan_job`` is acknowledged late: a worker killed mid-job leaves the message to be delivered again,
and the conditional claim in ``scan_job_run`` makes sure a job is done once (nothing is stored until its
last step, one transaction).
"""
from __future__ import annotations

from celery import shared_task

from .scan_jobs import STALE_AFTER, scan_job_run

# Below the claim's staleness: a job still running when another worker may take it over is stopped.
TIME_LIMIT = int(STALE_AFTER.total_seconds()) - 60
SOFT_TIME_LIMIT = TIME_LIMIT - 30


@shared_task(name="dossiers.run_scan_job", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def run_scan_job(job_id: int) -> str:
    job = scan_job_run(job_id)
    return job.status if job is not None else "gone"
