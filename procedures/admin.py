from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

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

    def save_model(self, request, obj, form, change):
        procedure_save(procedure=obj, by=request.user, source=ProcedureVersion.Source.ADMIN)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = ["unit", "procedure", "posted_at_desk", "posted_on_website", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["unit__name", "procedure__code", "procedure__name"]
    autocomplete_fields = ["unit", "procedure"]
    list_select_related = ["unit", "procedure"]


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
