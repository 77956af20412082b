from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotCuaConfig(AppConfig):
    name = "motcua"
    verbose_name = _("Một Cửa core")

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_working_sessions

        checks.register(check_working_sessions)
