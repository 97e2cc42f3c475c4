"""Trusted requesters (issue 15, item 1): confirmed addresses, the hourly confirmation email, and
whether a ticket's requester is trusted."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0010_customer_contacts_incident_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='requester',
            name='confirmation_sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='requester',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='requester',
            name='confirmed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        # Tickets filed before this migration were filed under the old rule (the domain was enough):
        # they keep their plan and their voice pages; new tickets start untrusted unless filing says so.
        migrations.AddField(
            model_name='ticket',
            name='requester_trusted',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='requester_trusted',
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.AlterField(
            model_name='event',
            name='type',
            field=models.CharField(choices=[('created', 'Created'), ('assigned', 'Assigned'), ('handed_off', 'Handed off'), ('replied', 'Replied'), ('note', 'Internal note'), ('customer_replied', 'Customer replied'), ('status_changed', 'Status changed'), ('severity_changed', 'Severity changed'), ('reopened', 'Reopened'), ('follow_up', 'Follow-up opened'), ('warned', 'SLA warning'), ('breached', 'SLA breached'), ('escalated', 'Escalated'), ('acknowledged', 'Page acknowledged'), ('incident_linked', 'Linked to an incident'), ('incident_unlinked', 'Unlinked from an incident'), ('incident_notice', "Incident notice to the customer's contacts"), ('requester_confirmed', 'Requester confirmed')], max_length=30),
        ),
        migrations.AlterField(
            model_name='requesternotification',
            name='kind',
            field=models.CharField(choices=[('received', 'Ticket received'), ('reply', "Engineer's reply"), ('status', 'Status changed'), ('incident_notice', 'Incident detected (to a customer contact)'), ('incident_update', 'Incident update (to a customer contact)'), ('confirm_address', 'Confirm your address (at most one an hour per address)')], max_length=20),
        ),
    ]
