"""Publishing in tests that are about something else: past the checks' warnings, as a reviewer who read them."""

from compounds.publish_checks import compound_publish_checks
from compounds.services import compound_publish


def publish_acknowledging(*, compound, user=None, edit_summary=""):
    checks = compound_publish_checks(compound=compound, user=user)
    return compound_publish(
        compound=compound, user=user, edit_summary=edit_summary, acknowledged=checks.warning_messages
    )
