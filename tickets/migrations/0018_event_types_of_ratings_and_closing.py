"""The event types of both the ratings (0015) and the closing (0017) branches, merged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0017_close_reason_duplicate_of_blocked_senders'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='type',
            field=models.CharField(choices=[('created', 'Created'), ('assigned', 'Assigned'), ('handed_off', 'Handed off'), ('replied', 'Replied'), ('note', 'Internal note'), ('customer_replied', 'Customer replied'), ('status_changed', 'Status changed'), ('severity_changed', 'Severity changed'), ('reopened', 'Reopened'), ('follow_up', 'Follow-up opened'), ('warned', 'SLA warning'), ('breached', 'SLA breached'), ('escalated', 'Escalated'), ('acknowledged', 'Page acknowledged'), ('incident_linked', 'Linked to an incident'), ('incident_unlinked', 'Unlinked from an incident'), ('incident_notice', "Incident notice to the customer's contacts"), ('requester_confirmed', 'Requester confirmed'), ('rated', 'Rated by the customer'), ('closed_as_spam', 'Closed as spam'), ('closed_as_duplicate', 'Closed as a duplicate'), ('duplicate_merged', "A duplicate's messages copied here"), ('sender_blocked', 'Sender blocked'), ('sender_unblocked', 'Sender unblocked')], max_length=30),
        ),
    ]
