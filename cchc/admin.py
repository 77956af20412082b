"""The index's classification bands and schemes in the admin (the bands are data the unit above may adjust)."""
from django.contrib import admin

from .models import Band, InspectionPlan, ReformArea, Scheme


class BandInline(admin.TabularInline):
    model = Band
    extra = 0


class AreaInline(admin.TabularInline):
    model = ReformArea
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("year", "unit", "status", "published_at")
    list_filter = ("status", "year")
    inlines = [AreaInline, BandInline]
    raw_id_fields = ("unit", "created_by")


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "unit", "kind")
    list_filter = ("kind", "year")
    raw_id_fields = ("unit", "created_by")
