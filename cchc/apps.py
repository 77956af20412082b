from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CchcConfig(AppConfig):
    name = "cchc"
    verbose_name = _("Administrative reform index")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The reports show inspections without importing this app (reports.extensions).
        from django.urls import reverse

        from reports.extensions import PendingWork, ReportSection, register_pending_work, register_section

        from .selectors import inspection_section, overdue_fix_count

        register_section(ReportSection("inspections", "Công tác kiểm tra, tự kiểm tra", inspection_section))
        register_pending_work(PendingWork(
            "overdue_fixes", _("Inspection findings not fixed by their deadline"), overdue_fix_count,
            lambda unit: reverse("cchc:overdue"),
        ))
