"""Create the Editors and Reviewers groups with their permissions.

Editors create and edit profiles and sources, preview drafts and submit them for
review. Reviewers can also publish, unpublish, schedule and delete profiles.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = [
    ("compounds", "compound"),
    ("compounds", "synonym"),
    ("compounds", "regulatorystatus"),
    ("compounds", "specification"),
    ("compounds", "glossaryterm"),
    ("compounds", "section"),
    ("compounds", "comparisontable"),
    ("compounds", "comparisonrow"),
    ("compounds", "usecase"),
    ("compounds", "dosingprotocol"),
    ("compounds", "administrationstep"),
    ("compounds", "timecourse"),
    ("compounds", "timelineentry"),
    ("compounds", "sideeffect"),
    ("compounds", "contraindication"),
    ("compounds", "limitation"),
    ("compounds", "relatedcompound"),
    ("compounds", "vendoroffer"),
    ("evidence", "source"),
]
READ_ONLY_MODELS = [
    ("compounds", "category"),
    ("compounds", "citation"),
    ("compounds", "profilesnapshot"),
    ("compounds", "revisionmeta"),
]

EDITOR_PERMISSIONS = (
    [(app, f"{action}_{model}") for app, model in CONTENT_MODELS for action in ("add", "change", "view")]
    + [(app, f"view_{model}") for app, model in READ_ONLY_MODELS]
    + [("compounds", "preview_compound")]
)
# Reviewers may also delete child rows in the compound form, and manage categories.
REVIEWER_PERMISSIONS = (
    EDITOR_PERMISSIONS
    + [(app, f"delete_{model}") for app, model in CONTENT_MODELS]
    + [("compounds", "publish_compound"), ("compounds", "add_category"), ("compounds", "change_category")]
)


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Editors", EDITOR_PERMISSIONS), ("Reviewers", REVIEWER_PERMISSIONS)):
        group, _created = Group.objects.get_or_create(name=name)
        permissions = []
        for app_label, codename in wanted:
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("evidence", "0001_initial"),
        ("compounds", "0002_editorial_workflow"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
