from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from motcua import targets

        from .targets import target_values

        # The Target table is the one source of the province's targets, also for the apps below
        # reports that may not import it (motcua.targets).
        targets.provide(target_values)
