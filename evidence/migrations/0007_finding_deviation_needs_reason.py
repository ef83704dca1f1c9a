# The constraint is added in a migration of its own: on PostgreSQL a table cannot be altered in the transaction
# that updated its rows (0006's data migration) while trigger events are pending.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0006_finding_deviation_reason'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='finding',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('population', ''), ('study_design', '')), models.Q(('deviation_reason', ''), _negated=True), _connector='OR'), name='finding_deviation_needs_reason', violation_error_message="A population or study design that differs from the source's needs a written reason."),
        ),
    ]
