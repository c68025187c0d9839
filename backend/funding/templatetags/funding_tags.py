from django import template

from funding.selectors import money_summary

register = template.Library()


@register.inclusion_tag("funding/_money_summary.html")
def campaign_money(campaign_id: int) -> dict:
    """`{% load funding_tags %}{% campaign_money campaign.pk %}`: donations + matches by tier,
    kept current by the `money` messages on `campaign.<id>`."""
    return {"money": money_summary(campaign_id=campaign_id)}


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan with two decimals (12345 → "123.45")."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
