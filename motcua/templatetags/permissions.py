"""``{% can "dossier.resolve" dossier as may_resolve %}``: a template asks the one permission table."""
from django import template

from motcua.permissions import can as _can

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, target=None) -> bool:
    return _can(context["request"].user, action, target)
