from django.apps import AppConfig
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
