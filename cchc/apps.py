from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CchcConfig(AppConfig):
    name = "cchc"
    verbose_name = _("Administrative reform index")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The reports show inspections without importing this app (reports.extensions).
        from django.urls import reverse

        from dossiers.printing.extensions import register_receipt_officer
        from reports.extensions import (
            HomeBlock, PendingWork, ReportSection, register_home_block, register_pending_work, register_section,
        )

        from .selectors import home_duty_block, inspection_section, overdue_fix_count, receipt_officer

        register_section(ReportSection("inspections", "Công tác kiểm tra, tự kiểm tra", inspection_section))
        register_pending_work(PendingWork(
            "overdue_fixes", _("Inspection findings not fixed by their deadline"), overdue_fix_count,
            lambda unit: reverse("cchc:overdue"),
        ))
        # The desk's duty roster where the desk works: its home, and the receipt slip's "người tiếp nhận".
        register_home_block(HomeBlock("cchc_duty", "cchc/partials/home_duty.html", home_duty_block))
        register_receipt_officer(receipt_officer)
