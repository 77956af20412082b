from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotCuaConfig(AppConfig):
    name = "motcua"
    verbose_name = _("Một Cửa core")

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import audit
        from .checks import check_working_sessions
        from .models import Holiday
        from .selectors import holidays_changed

        checks.register(check_working_sessions)
        connection_created.connect(audit.attach, dispatch_uid="motcua-audit-attach")
        post_migrate.connect(audit.install_triggers, dispatch_uid="motcua-audit-triggers")
        # The cached working calendar follows every holiday write, queryset deletes included.
        post_save.connect(holidays_changed, sender=Holiday, dispatch_uid="motcua-holidays-saved")
        post_delete.connect(holidays_changed, sender=Holiday, dispatch_uid="motcua-holidays-deleted")
