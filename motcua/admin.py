from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AdministrativeUnit, Agency, AuditEvent, Holiday, SigningIdentity, StaffMembership, UnitSuccession
from .services import unit_save


class InForceFilter(admin.SimpleListFilter):
    """Units in force today, or ended; people of an ended unit wait to be placed elsewhere."""

    title = _("in force")
    parameter_name = "in_force"
    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("In force")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.field}valid_to__isnull": True})
        if self.value() == "no":
            return queryset.filter(**{f"{self.field}valid_to__isnull": False})
        return queryset


class UnitInForceFilter(InForceFilter):
    title = _("unit in force")
    parameter_name = "unit_in_force"
    field = "unit__"


class PredecessorInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "successor"
    fields = ["position", "predecessor", "primary"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("predecessor")
    verbose_name_plural = _("predecessors (set by the import of the unit tree)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "kind", InForceFilter]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth", "valid_from", "valid_to"]
    list_select_related = ["parent"]
    inlines = [PredecessorInline]

    def save_model(self, request, obj, form, change):
        try:
            unit_save(unit=obj)
        except ValueError as exc:
            messages.error(request, str(exc))


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["identifier", "name", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["identifier", "name", "unit__name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "agency"]
    list_filter = ["role", UnitInForceFilter]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit", "agency"]
    list_select_related = ["user", "unit", "agency"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(SigningIdentity)
class SigningIdentityAdmin(admin.ModelAdmin):
    """Who signs a unit's results and reports (motcua.signing): the administrator sets the certificate's
    place; the PIN stays in the server's environment."""

    list_display = ["unit", "kind", "signer_name", "token_label", "key_label", "is_active"]
    list_filter = ["kind", "is_active"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        (None, {"fields": ["unit", "kind", "signer_name", "is_active"]}),
        (_("PKCS#12 file"), {"fields": ["pkcs12_path"]}),
        (_("PKCS#11 token"), {"fields": ["pkcs11_module", "token_label", "key_label", "cert_label"]}),
        (_("PIN"), {"fields": ["secret_env"]}),
    ]


class StaffMembershipInline(admin.StackedInline):
    model = StaffMembership
    can_delete = False
    autocomplete_fields = ["unit", "agency"]
    verbose_name = verbose_name_plural = _("workplace")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class MotCuaUserAdmin(UserAdmin):
    inlines = [StaffMembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail of an object: filter by table and search its id (read only, like the table itself)."""

    list_display = ["at", "table_name", "row_id", "action", "actor_id", "unit_id", "ip", "request_id"]
    list_filter = ["action", "table_name"]
    search_fields = ["=row_id", "=request_id", "=actor_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
