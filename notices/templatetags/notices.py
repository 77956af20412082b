from django import template

from notices.wording import mask

register = template.Library()


@register.filter
def masked(recipient: str) -> str:
    """'0912345678' → '091****678' (the delivery log never shows a whole number or address)."""
    return mask(recipient or "")
