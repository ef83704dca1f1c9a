"""Object-level permission checks for profiles.

Django's ModelBackend answers only model-level questions and says no to any
object. The views for history, compare, revert, preview and publishing ask
about the object (user.has_perm(perm, compound)); this backend answers them
from the model-level permission, which keeps one place to refine the policy
(per-category editors, say) without touching the views.
"""

from django.contrib.auth.backends import BaseBackend

from .models import Compound

# Editorial roles and the groups that carry their permissions (created by the migrations).
ROLE_GROUPS = {"editor": "Editors", "reviewer": "Reviewers"}


class CompoundObjectPermissionBackend(BaseBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if obj is None or not isinstance(obj, Compound) or not user_obj.is_active:
            return False
        return user_obj.has_perm(perm)


def can_view_history(user, compound):
    return user.has_perm("compounds.view_compound", compound) or user.has_perm("compounds.change_compound", compound)


def can_edit(user, compound):
    return user.has_perm("compounds.change_compound", compound)


def can_publish(user, compound):
    return user.has_perm("compounds.publish_compound", compound)


def import_refusal(user, compound):
    """Why `user` may not import into this profile, or "": a published profile's draft takes a reviewer. No user
    (the command line without --user) is the operator, who may."""
    if user is not None and compound.pk and compound.is_live and not can_publish(user, compound):
        return f"{compound.name} is published: only reviewers may import changes into its draft."
    return ""


def can_preview(user, compound):
    return user.has_perm("compounds.preview_compound", compound) or can_edit(user, compound)


def public_name(user):
    """How public pages name a reviewer: their full name, never the login name (which is half a password).
    "" for a user without a name: the page then names nobody."""
    return user.get_full_name().strip()[:150] if user is not None else ""
