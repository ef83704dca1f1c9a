from django import template
from django.conf import settings

from compounds.profile_links import link_html

register = template.Library()


@register.simple_tag
def disclaimer():
    """The research-only disclaimer; read from settings so it also renders in 500 pages (no context there)."""
    return settings.MONOGRAPH_DISCLAIMER


@register.simple_tag
def profile_link(compound, text=None):
    """A link to another profile that follows it being published or unpublished (see compounds.profile_links)."""
    return link_html(compound, text)
