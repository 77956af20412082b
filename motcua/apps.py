from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotCuaConfig(AppConfig):
    name = "motcua"
    verbose_name = _("Một Cửa core")

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import audit
        from .checks import check_working_sessions

        checks.register(check_working_sessions)
        connection_created.connect(audit.attach, dispatch_uid="motcua-audit-attach")
        post_migrate.connect(audit.install_triggers, dispatch_uid="motcua-audit-triggers")
