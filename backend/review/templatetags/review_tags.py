from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan with two decimals and thousands separators: 123456 → 1,234.56."""
    if fen is None or fen == "":
        return "—"
    return f"{int(fen) / 100:,.2f}"


@register.filter
def audit_action(action: str) -> str:
    """The readable, translated name of an audit trail action."""
    from review.selectors import action_label

    return action_label(action)
