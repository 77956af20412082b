"""Celery beat's schedule for the reports (imported by motcua/settings.py as CELERY_BEAT_SCHEDULE).

Both tasks run daily and act only on their day (the 15th and the 17th of March, June, September and
December), so a beat that was down for a day at another time of the year misses nothing.
"""
from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    # A 15th–14th quarter closes on the 14th: draft every unit's JSON and Excel on the 15th.
    "reports-draft-quarterly-reports": {
        "task": "reports.draft_quarterly_reports",
        "schedule": crontab(hour=1, minute=30),
    },
    # Units send their report by the 17th: remind the ones still missing that morning.
    "reports-remind-missing-submissions": {
        "task": "reports.remind_missing_submissions",
        "schedule": crontab(hour=7, minute=0),
    },
    # The early-warning digest, before the desks open (reports.notify skips days off).
    "reports-send-daily-digests": {
        "task": "reports.send_daily_digests",
        "schedule": crontab(hour=6, minute=45),
    },
    # A run requested while Redis was down stays queued, a run whose worker died stops beating:
    # every minute, send them again (or mark the twice-dead failed), so a dead worker is noticed within two.
    "reports-requeue-waiting-runs": {
        "task": "reports.requeue_waiting_runs",
        "schedule": crontab(minute="*"),
    },
}
