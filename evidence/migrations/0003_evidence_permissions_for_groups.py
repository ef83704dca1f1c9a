"""Give the Editors and Reviewers groups the evidence models added with findings."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = [
    ("finding", ("add", "change", "delete", "view")),
    ("outcomegrade", ("add", "change", "delete", "view")),
    ("outcome", ("view",)),
]
REVIEWER = [*EDITOR, ("outcome", ("add", "change"))]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Editors", EDITOR), ("Reviewers", REVIEWER)):
        group, _created = Group.objects.get_or_create(name=name)
        for model, actions in wanted:
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="evidence", codename=f"{action}_{model}")
                )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    codenames = [f"{action}_{model}" for model, actions in REVIEWER for action in actions]
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0002_findings_and_integrity"),
        ("compounds", "0003_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
