"""Thin Celery tasks over procedures.import_jobs: they take ids and call a service.

``run_catalogue_import`` is acknowledged late: a worker killed mid-step leaves the message to be delivered
again, and the conditional claim in ``catalogue_import_run`` makes sure a step is done once (a check
writes nothing; a write is one transaction, all rows or none).
"""
from __future__ import annotations

from celery import shared_task

from .import_jobs import STALE_AFTER, catalogue_import_run

# Below the claim's staleness (30 minutes): a step still running when another worker may take it over is stopped.
TIME_LIMIT = int(STALE_AFTER.total_seconds()) - 120
SOFT_TIME_LIMIT = TIME_LIMIT - 30


@shared_task(name="procedures.run_catalogue_import", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def run_catalogue_import(import_id: int) -> str:
    job = catalogue_import_run(import_id)
    return job.status if job is not None else "gone"
