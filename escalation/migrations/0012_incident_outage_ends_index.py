# The availability report's filter: outage windows still open or ending after a month's start.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("escalation", "0011_scheduler_heartbeat"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("impact", "outage")),
                fields=["impact_ended_at", "started_at"],
                name="incident_outage_ends",
            ),
        ),
    ]
