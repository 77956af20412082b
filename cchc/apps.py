from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CchcConfig(AppConfig):
    name = "cchc"
    verbose_name = _("Administrative reform index")
    default_auto_field = "django.db.models.BigAutoField"
