from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.tasks import ping


class Command(BaseCommand):
    help = "Send a ping task through the broker and wait for a worker to answer (a health check)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout: float, **options):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("No broker configured (REDIS_URL unset): tasks run in-process.")
            return
        try:
            answer = ping.delay().get(timeout=timeout)
        except Exception as exc:
            raise CommandError(f"No worker answered within {timeout:g} s: {exc.__class__.__name__}") from None
        self.stdout.write(self.style.SUCCESS(f"Worker answered: {answer}"))
