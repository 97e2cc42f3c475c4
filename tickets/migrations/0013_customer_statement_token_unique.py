"""Each customer's statement link key, step 2: every row has one; required, unique, new per customer."""

from django.db import migrations, models

import tickets.models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_customer_statement_token")]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="statement_token",
            field=models.CharField(
                max_length=64,
                unique=True,
                default=tickets.models.new_statement_token,
                editable=False,
            ),
        ),
    ]
