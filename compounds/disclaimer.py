"""The research-only disclaimer: the one text every public output must carry.

The product rule is that no setting, template block or editor action removes it. A site may append to it through
`settings.MONOGRAPH_DISCLAIMER` but not cut it: `compounds.checks` refuses such a setting at `manage.py check`, and
`site_disclaimer()` falls back to the required text in case a server starts without running the checks.
"""

from django.conf import settings

REQUIRED_DISCLAIMER = (
    "All information on this site is for research and educational purposes only. "
    "The compounds discussed are not approved by the FDA and are not intended to "
    "diagnose, treat, cure, or prevent any disease."
)


def configured_disclaimer_problem():
    """Why the configured disclaimer is not acceptable, or None when it is."""
    value = getattr(settings, "MONOGRAPH_DISCLAIMER", None)
    if value is None:
        return "settings.MONOGRAPH_DISCLAIMER is missing."
    if not isinstance(value, str):
        return f"settings.MONOGRAPH_DISCLAIMER must be a string, not {type(value).__name__}."
    if not value.strip():
        return "settings.MONOGRAPH_DISCLAIMER is empty."
    if REQUIRED_DISCLAIMER not in value:
        return "settings.MONOGRAPH_DISCLAIMER does not contain the full required disclaimer text."
    return None


def site_disclaimer():
    """The disclaimer as the site prints it: the setting when it holds the required text, else the required text."""
    if configured_disclaimer_problem() is None:
        return settings.MONOGRAPH_DISCLAIMER
    return REQUIRED_DISCLAIMER


def site_disclaimer_line():
    """The disclaimer on one line, for formats where a line break ends the field (RIS tags, BibTeX comments)."""
    return " ".join(site_disclaimer().split())
