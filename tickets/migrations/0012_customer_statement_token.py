"""Each customer's statement link key, step 1: added empty, then a fresh token for each existing customer
(the same generator as `tickets.models.customers.new_statement_token`, held here as a migration must)."""

import secrets

from django.db import migrations, models

STATEMENT_TOKEN_BYTES = 32


def fill_tokens(apps, schema_editor):
    Customer = apps.get_model("tickets", "Customer")
    for customer in Customer.objects.filter(statement_token__isnull=True).only("pk"):
        customer.statement_token = secrets.token_urlsafe(STATEMENT_TOKEN_BYTES)
        customer.save(update_fields=["statement_token"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_requester_trust")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="statement_token",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
    ]
