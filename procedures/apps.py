from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Administrative procedures")

    def ready(self):
        from motcua.services import units_reorganised

        from .services import postings_end_with_units

        # The postings of the units that ended end with them (kept as history).
        units_reorganised.connect(postings_end_with_units, dispatch_uid="postings_end_with_units")
