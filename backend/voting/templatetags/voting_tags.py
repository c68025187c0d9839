from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """12345 → "123.45 元"; whole yuan without decimals, thousands separated."""
    if fen is None:
        return ""
    whole, cents = divmod(int(fen), 100)
    amount = f"{whole:,}" + (f".{cents:02d}" if cents else "")
    return _("%(amount)s 元") % {"amount": amount}


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
