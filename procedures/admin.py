"""The catalogue in the Django admin. Writes ask the one permission table like the staff screens:
``procedure.edit`` (on the stored procedure and its new level, in ``procedure_save``), ``procedure.import``
and ``posting.edit`` for the unit of a posting; the resource asks the same of every imported row."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from import_export.admin import ImportExportModelAdmin

from motcua.permissions import can

from .models import Field, Posting, Procedure, ProcedureComponent, ProcedureFee, ProcedureVersion, ReviewItem, ReviewRound
from .resources import ProcedureResource
from .services import procedure_save


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class FeeInline(admin.TabularInline):
    model = ProcedureFee
    extra = 0
    can_delete = False
    readonly_fields = ["name", "amount", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class ComponentInline(FeeInline):
    model = ProcedureComponent
    readonly_fields = ["name", "originals", "copies", "required"]


class VersionInline(FeeInline):
    model = ProcedureVersion
    fields = readonly_fields = ["number", "valid_from", "changed_by", "source", "changes"]


@admin.register(Procedure)
class ProcedureAdmin(ImportExportModelAdmin):
    """Fees and components are edited in the staff screen (one text per line); here they are shown."""

    resource_classes = [ProcedureResource]
    list_display = ["code", "name", "field", "level", "sector", "processing_days", "online_level", "status"]
    list_filter = ["level", "sector", "online_level", "status", "field"]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    autocomplete_fields = ["field", "replaced_by"]
    readonly_fields = ["version"]
    inlines = [FeeInline, ComponentInline, VersionInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can(request.user, "procedure.edit", obj)
        )

    def has_import_permission(self, request):
        return super().has_import_permission(request) and can(request.user, "procedure.import")

    def save_model(self, request, obj, form, change):
        # procedure_save asks procedure.edit on the stored procedure and on the level given (403 if not).
        procedure_save(procedure=obj, by=request.user, source=ProcedureVersion.Source.ADMIN)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = ["unit", "procedure", "valid_from", "valid_to", "posted_at_desk", "posted_on_website", "is_active"]
    list_filter = [("valid_to", admin.EmptyFieldListFilter)]
    fields = ["unit", "procedure", "valid_from", "valid_to", "posted_at_desk", "posted_on_website"]
    search_fields = ["unit__name", "procedure__code", "procedure__name"]
    autocomplete_fields = ["unit", "procedure"]
    list_select_related = ["unit", "procedure"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can(request.user, "posting.edit", obj.unit)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or can(request.user, "posting.edit", obj.unit)
        )

    def save_model(self, request, obj, form, change):
        if not can(request.user, "posting.edit", obj.unit):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    extra = 0
    autocomplete_fields = ["procedure"]


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "status", "submitted_at"]
    list_filter = ["year", "status"]
    list_select_related = ["unit"]
    inlines = [ReviewItemInline]
