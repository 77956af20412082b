from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Message, MessageTemplate
from .wording import PLACEHOLDERS, mask


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The wording of each message, edited by an administrator; the kinds and channels are fixed."""

    list_display = ["kind", "channel", "is_active", "text", "updated_at"]
    list_filter = ["channel", "is_active"]
    fields = ["kind", "channel", "placeholders", "subject", "text", "is_active"]
    readonly_fields = ["kind", "channel", "placeholders"]

    @admin.display(description=_("placeholders"))
    def placeholders(self, obj: MessageTemplate) -> str:
        return ", ".join("{%s}" % name for name in PLACEHOLDERS.get(obj.kind, ()))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The delivery log: written by the sender only."""

    list_display = ["created_at", "kind", "channel", "masked_recipient", "status", "attempts", "reason", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    date_hierarchy = "created_at"
    search_fields = ["dossier__code", "ticket__code"]
    list_select_related = ["dossier", "ticket"]
    exclude = ["recipient", "dossier_event", "ticket_event", "dossier", "ticket"]
    readonly_fields = ["kind", "channel", "masked_recipient", "subject", "text", "status", "reason", "attempts",
                       "created_at", "send_after", "last_attempt_at", "retry_at", "sent_at"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: Message) -> str:
        return mask(obj.recipient)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
