"""Natural keys for every row of a profile (fixtures name rows, not ids), and permissions to import and export files.

Each compound gets a uid; stored pages' links to other profiles are marked with it instead of the database id,
so they stay true on a site the pages are copied to.

Five kinds of row get the uniqueness their natural key needs. Rows that would break it are kept, not merged:
a repeated value gets " (2)", " (3)"… appended, so an editor can see and resolve them.
"""

import re
import uuid
from collections import defaultdict

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# model: (the field made unique, the fields it is unique together with)
NEWLY_UNIQUE = {
    "administrationstep": ("text", ("compound_id", "route")),
    "comparisonrow": ("label", ("table_id",)),
    "contraindication": ("condition", ("compound_id",)),
    "limitation": ("title", ("compound_id",)),
    "timelineentry": ("timeframe", ("compound_id",)),
    "vendoroffer": ("vendor", ("compound_id", "amount_mg")),
}

EDITORS = [("compounds", "import_compound"), ("evidence", "import_source")]
REVIEWERS = [
    *EDITORS,
    ("compounds", "export_compound"),
    ("evidence", "export_source"),
    ("compounds", "import_category"),
    ("compounds", "export_category"),
]


def mark_repeats(apps, schema_editor):
    for model_name, (field, together) in NEWLY_UNIQUE.items():
        model = apps.get_model("compounds", model_name)
        max_length = model._meta.get_field(field).max_length
        rows = list(model.objects.order_by("pk"))
        taken = {(*(getattr(row, name) for name in together), getattr(row, field).lower()) for row in rows}
        seen = set()
        for row in rows:
            scope = tuple(getattr(row, name) for name in together)
            value = getattr(row, field)
            if (*scope, value.lower()) not in seen:
                seen.add((*scope, value.lower()))
                continue
            n = 2
            while True:  # the first " (n)" no row of the same scope has
                suffix = f" ({n})"
                candidate = value[: max_length - len(suffix)] + suffix
                if (*scope, candidate.lower()) not in taken:
                    break
                n += 1
            setattr(row, field, candidate)
            row.save(update_fields=[field])
            taken.add((*scope, candidate.lower()))
            seen.add((*scope, candidate.lower()))


def give_uids(apps, schema_editor):
    Compound = apps.get_model("compounds", "Compound")
    ProfileSnapshot = apps.get_model("compounds", "ProfileSnapshot")
    uids = {}
    for compound in Compound.objects.order_by("pk"):
        compound.uid = uuid.uuid4()
        compound.save(update_fields=["uid"])
        uids[compound.pk] = str(compound.uid)
    for snapshot in ProfileSnapshot.objects.order_by("pk"):
        # A marker of a since-deleted profile keeps a uid no profile has: its text stays plain.
        snapshot.body_html = re.sub(
            r'data-profile="(\d+)"',
            lambda m: f'data-profile="{uids.get(int(m[1])) or uuid.uuid4()}"',
            snapshot.body_html,
        )
        for entry in [snapshot.header.get("parent"), *snapshot.header.get("variants", [])]:
            if entry and isinstance(entry.get("id"), int):
                entry["id"] = uids.get(entry["id"]) or str(uuid.uuid4())
        snapshot.save(update_fields=["body_html", "header"])


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in (("Editors", EDITORS), ("Reviewers", REVIEWERS)):
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("compounds", "0007_interactions"),
        ("evidence", "0004_natural_keys_and_file_permissions"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(mark_repeats, migrations.RunPython.noop),
        migrations.AddField(
            model_name="compound",
            name="uid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="compound",
            name="uid",
            field=models.UUIDField(
                "identifier",
                default=uuid.uuid4,
                unique=True,
                editable=False,
                help_text="Names this profile in stored pages' links to it; the same on every site it is copied to.",
            ),
        ),
        migrations.AlterModelOptions(
            name="category",
            options={
                "ordering": ["position", "name"],
                "permissions": [
                    ("import_category", "Can import categories from files"),
                    ("export_category", "Can export categories to files"),
                ],
                "verbose_name": "category",
                "verbose_name_plural": "categories",
            },
        ),
        migrations.AlterModelOptions(
            name="compound",
            options={
                "ordering": ["name"],
                "permissions": [
                    ("publish_compound", "Can publish and unpublish compound profiles"),
                    ("preview_compound", "Can preview unpublished compound profiles"),
                    ("import_compound", "Can import profiles and their rows from files (into drafts)"),
                    ("export_compound", "Can export profiles and their rows to files"),
                ],
                "verbose_name": "compound",
                "verbose_name_plural": "compounds",
            },
        ),
        migrations.AlterField(
            model_name="compound",
            name="scheduled_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="Reviewer who scheduled the publication; recorded as its publisher.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                serialize=False,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="profilesnapshot",
            name="published_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                serialize=False,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="profilesnapshot",
            name="revision",
            field=models.ForeignKey(
                blank=True,
                help_text="The editorial revision this version was published from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                serialize=False,
                to="reversion.revision",
            ),
        ),
        migrations.AddConstraint(
            model_name="administrationstep",
            constraint=models.UniqueConstraint(
                models.F("compound"),
                models.F("route"),
                django.db.models.functions.text.Lower("text"),
                name="administration_step_unique",
                violation_error_message="This step is already listed for this route.",
            ),
        ),
        migrations.AddConstraint(
            model_name="comparisonrow",
            constraint=models.UniqueConstraint(
                models.F("table"),
                django.db.models.functions.text.Lower("label"),
                name="comparison_row_unique_label",
                violation_error_message="This table already has a row with this label.",
            ),
        ),
        migrations.AddConstraint(
            model_name="contraindication",
            constraint=models.UniqueConstraint(
                models.F("compound"),
                django.db.models.functions.text.Lower("condition"),
                name="contraindication_unique",
                violation_error_message="This contraindication is already listed.",
            ),
        ),
        migrations.AddConstraint(
            model_name="limitation",
            constraint=models.UniqueConstraint(
                models.F("compound"),
                django.db.models.functions.text.Lower("title"),
                name="limitation_unique",
                violation_error_message="This limitation is already listed.",
            ),
        ),
        migrations.AddConstraint(
            model_name="timelineentry",
            constraint=models.UniqueConstraint(
                models.F("compound"),
                django.db.models.functions.text.Lower("timeframe"),
                name="timeline_entry_unique",
                violation_error_message="This timeframe is already in the timeline; edit that row.",
            ),
        ),
        migrations.AddConstraint(
            model_name="vendoroffer",
            constraint=models.UniqueConstraint(
                models.F("compound"),
                django.db.models.functions.text.Lower("vendor"),
                models.F("amount_mg"),
                name="vendor_offer_unique",
                violation_error_message="This vendor's offer of this amount is already listed; edit that row.",
            ),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
