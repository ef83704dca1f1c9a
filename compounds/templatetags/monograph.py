from django import template

from compounds.disclaimer import site_disclaimer
from compounds.profile_links import link_html, summary_html

register = template.Library()


@register.simple_tag
def disclaimer():
    """The research-only disclaimer; needs no context, so it also renders in 400 and 500 pages (none there)."""
    return site_disclaimer()


@register.simple_tag
def profile_link(compound, text=None):
    """A link to another profile that follows it being published or unpublished (see compounds.profile_links)."""
    return link_html(compound, text)


@register.simple_tag
def profile_summary(compound, summary):
    """Another profile's public summary on this page, kept in step with it like its link (compounds.profile_links)."""
    return summary_html(compound.uid, summary)
