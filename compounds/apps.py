from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks

from .checks import disclaimer_check


class CompoundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compounds"
    verbose_name = "Compound profiles"

    def ready(self):
        # Not at the top: versioning imports the models, which cannot load before the app registry is ready.
        from .versioning import register_models

        register_models()
        checks.register(disclaimer_check, "monograph")


class MonographAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Monograph's site (its index is the editors' dashboard). INSTALLED_APPS names this
    class in place of "django.contrib.admin"; `default = False` keeps CompoundsConfig the compounds app's config."""

    default = False
    default_site = "compounds.admin_site.MonographAdminSite"
