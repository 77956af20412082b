"""Celery beat's schedule for the messages to applicants (merged into CELERY_BEAT_SCHEDULE by motcua/settings.py)."""
from celery.schedules import crontab

NOTICES_BEAT_SCHEDULE = {
    # Every minute: the messages held for the night once it is 07:00, those a broker outage kept back or
    # lost, and the next attempts of failed ones (notices.services.messages_send_waiting).
    "notices-send-waiting-messages": {
        "task": "notices.send_waiting_messages",
        "schedule": crontab(minute="*"),
    },
}
