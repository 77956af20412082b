"""The Celery application.

With ``REDIS_URL`` set, tasks go through Redis to a worker. Without it the settings turn on
``CELERY_TASK_ALWAYS_EAGER`` and tasks run in-process, so the portal works with no broker at all.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

app = Celery("motcua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
