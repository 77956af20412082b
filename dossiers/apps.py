from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers, satisfaction and feedback")

    def ready(self):
        from motcua.services import units_reorganised

        from .services import dossiers_hand_over, kiosks_switch_off_ended

        units_reorganised.connect(dossiers_hand_over, dispatch_uid="dossiers_hand_over")
        units_reorganised.connect(kiosks_switch_off_ended, dispatch_uid="kiosks_switch_off_ended")
