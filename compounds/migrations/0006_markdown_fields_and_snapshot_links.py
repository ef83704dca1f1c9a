# The one Markdown field type (no change in the database for these CharFields), and the profiles each
# published version links to.

import compounds.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('compounds', '0005_snapshot_references'),
    ]

    operations = [
        migrations.AddField(
            model_name='profilesnapshot',
            name='linked_compounds',
            field=models.ManyToManyField(blank=True, help_text='Other profiles this version links to; its links follow them when they are published or unpublished.', related_name='linked_from_snapshots', to='compounds.compound'),
        ),
        migrations.AlterField(
            model_name='comparisonrow',
            name='other_value',
            field=compounds.fields.InlineMarkdownField(blank=True, help_text='Leave empty when one value covers both columns.', max_length=200),
        ),
        migrations.AlterField(
            model_name='comparisonrow',
            name='subject_value',
            field=compounds.fields.InlineMarkdownField(help_text='Inline Markdown allowed, e.g. **None**; cite with [@key].', max_length=200),
        ),
        migrations.AlterField(
            model_name='specification',
            name='value',
            field=compounds.fields.InlineMarkdownField(help_text='As readers should see it. Inline Markdown allowed; cite with [@key].', max_length=300),
        ),
    ]
