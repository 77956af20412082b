from celery import shared_task


@shared_task(name="motcua.ping")
def ping() -> str:
    """The worker's health check: `manage.py check_worker` sends it and waits for the answer."""
    return "pong"
