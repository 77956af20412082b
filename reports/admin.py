from django.contrib import admin

from .models import ReportRun, ReportSubmission


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Runs are written by the job only: the admin shows them, and may delete old ones."""

    list_display = ["id", "unit", "period_key", "format", "status", "progress", "attempts", "requested_by", "requested_at", "size"]
    list_filter = ["status", "format"]
    search_fields = ["unit__code", "unit__name", "period_key"]
    list_select_related = ["unit", "requested_by"]
    date_hierarchy = "requested_at"
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportSubmission)
class ReportSubmissionAdmin(admin.ModelAdmin):
    """Submissions are a record of what a unit sent: read-only here (a correction is a new version)."""

    list_display = ["unit", "agency", "period_key", "version", "submitted_by", "submitted_at"]
    list_filter = ["period_key"]
    search_fields = ["unit__code", "unit__name", "agency__name", "period_key"]
    list_select_related = ["unit", "agency", "submitted_by"]
    readonly_fields = [f.name for f in ReportSubmission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from .models import Target  # noqa: E402  (the dashboard's targets, appended with their admin)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """The province's targets per year (and optionally per unit level), edited by an administrator."""

    list_display = ["year", "key", "level", "value", "note"]
    list_editable = ["value"]
    list_filter = ["year", "key", "level"]
    ordering = ["-year", "key", "level"]
