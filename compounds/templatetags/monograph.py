from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def disclaimer():
    """The research-only disclaimer; read from settings so it also renders in 500 pages (no context there)."""
    return settings.MONOGRAPH_DISCLAIMER
