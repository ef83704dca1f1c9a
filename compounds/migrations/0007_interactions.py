# Interactions: a new kind of profile row, and the Editors' and Reviewers' permissions on it.

import compounds.fields
import django.db.models.deletion
import django.db.models.functions.text
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITOR_ACTIONS = ("add", "change", "view")
REVIEWER_ACTIONS = (*EDITOR_ACTIONS, "delete")  # as for every other kind of row


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; the groups need them now.
    app_config = apps.get_app_config("compounds")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in (("Editors", EDITOR_ACTIONS), ("Reviewers", REVIEWER_ACTIONS)):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="compounds", codename__in=[f"{action}_interaction" for action in actions]
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="compounds", codename__endswith="_interaction").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('compounds', '0006_markdown_fields_and_snapshot_links'),
    ]

    operations = [
        migrations.CreateModel(
            name='Interaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0, help_text='Order on the page: lower numbers come first.')),
                ('substance', models.CharField(help_text='A drug, a drug class or another substance, e.g. Diazepam, Benzodiazepines, Alcohol.', max_length=120)),
                ('effect', compounds.fields.InlineMarkdownField(help_text='What was seen or is expected when both are taken, as readers should read it. Cite with [@key].', max_length=400, verbose_name='what happens')),
                ('severity', models.CharField(choices=[('major', 'Major: avoid the combination'), ('moderate', 'Moderate: combine only with caution'), ('minor', 'Minor'), ('not_known', 'Not known')], default='not_known', help_text='How much it matters to someone combining them.', max_length=12)),
                ('basis', models.CharField(choices=[('human', 'Human data'), ('animal', 'Animal data'), ('theoretical', 'Theoretical (from the mechanism)')], default='theoretical', help_text='What the statement rests on: human data, animal data, or reasoning from the mechanism.', max_length=12, verbose_name='evidence')),
                ('mechanism', compounds.fields.InlineMarkdownField(blank=True, help_text='Why it happens, when known, e.g. “both act on GABA-A receptors”. Cite with [@key].', max_length=300, verbose_name='mechanism note')),
                ('compound', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='interactions', to='compounds.compound')),
            ],
            options={
                'verbose_name': 'interaction',
                'verbose_name_plural': 'interactions',
                'ordering': ['compound', 'position', 'id'],
                'abstract': False,
                'constraints': [models.UniqueConstraint(models.F('compound'), django.db.models.functions.text.Lower('substance'), name='interaction_unique_substance', violation_error_message='This substance is already listed; edit that row.')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
