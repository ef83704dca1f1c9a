"""System checks for settings a site must not get wrong (registered in CompoundsConfig.ready)."""

from django.core.checks import Error

from .disclaimer import REQUIRED_DISCLAIMER, configured_disclaimer_problem


def disclaimer_check(app_configs, **kwargs):
    problem = configured_disclaimer_problem()
    if problem is None:
        return []
    return [
        Error(
            problem,
            hint=(
                "Every public page and download must carry the research-only disclaimer. Leave the setting at its "
                f"default or append to it; it must contain: {REQUIRED_DISCLAIMER!r}"
            ),
            id="monograph.E001",
        )
    ]
