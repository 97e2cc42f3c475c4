# The availability commitment per plan and its credit table (issue 14). The seeded values are this
# migration's own copy of the defaults of its day (`escalation/reports/availability.py` then);
# tests/escalation/reports/test_availability_data.py checks they still agree.

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

COMMITMENT_PERCENT = {"standard": Decimal("99.900"), "premium": Decimal("99.950")}
MISSED_CREDIT_PERCENT = Decimal("10.00")
# (availability below, credit): a deeper miss owes more of the monthly fee.
TIERS = ((Decimal("99.000"), Decimal("25.00")), (Decimal("95.000"), Decimal("100.00")))

PERCENT_VALIDATORS = [django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)]


def seed(apps, schema_editor):
    """Every plan's rule gets its commitment and the default tiers; tiers already there are kept."""
    CreditRule = apps.get_model("tickets", "CreditRule")
    AvailabilityCreditTier = apps.get_model("tickets", "AvailabilityCreditTier")
    for plan, commitment in COMMITMENT_PERCENT.items():
        rule, _ = CreditRule.objects.get_or_create(plan=plan)
        rule.availability_commitment_percent = commitment
        rule.availability_credit_percent = MISSED_CREDIT_PERCENT
        rule.save(update_fields=["availability_commitment_percent", "availability_credit_percent"])
        for below, credit in TIERS:
            AvailabilityCreditTier.objects.get_or_create(
                rule=rule, below_percent=below, defaults={"credit_percent": credit}
            )


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0008_requester_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditrule",
            name="availability_commitment_percent",
            field=models.DecimalField(
                decimal_places=3,
                default=Decimal("99.900"),
                help_text="The monthly availability promised, e.g. 99.900 (standard) or 99.950 (premium).",
                max_digits=6,
                validators=PERCENT_VALIDATORS,
            ),
        ),
        migrations.AddField(
            model_name="creditrule",
            name="availability_credit_percent",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("10"),
                help_text="Of the monthly fee, owed when the month's availability is below the commitment.",
                max_digits=5,
                validators=PERCENT_VALIDATORS,
            ),
        ),
        migrations.AddConstraint(
            model_name="creditrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("availability_commitment_percent__gte", 0),
                    ("availability_commitment_percent__lte", 100),
                    ("availability_credit_percent__gte", 0),
                    ("availability_credit_percent__lte", 100),
                ),
                name="credit_rule_availability_percentages",
            ),
        ),
        migrations.CreateModel(
            name="AvailabilityCreditTier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "below_percent",
                    models.DecimalField(decimal_places=3, max_digits=6, validators=PERCENT_VALIDATORS),
                ),
                (
                    "credit_percent",
                    models.DecimalField(decimal_places=2, max_digits=5, validators=PERCENT_VALIDATORS),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="availability_tiers",
                        to="tickets.creditrule",
                    ),
                ),
            ],
            options={
                "ordering": ["rule", "-below_percent"],
                "constraints": [
                    models.UniqueConstraint(fields=("rule", "below_percent"), name="availability_tier_once"),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("below_percent__gte", 0),
                            ("below_percent__lte", 100),
                            ("credit_percent__gte", 0),
                            ("credit_percent__lte", 100),
                        ),
                        name="availability_tier_percentages",
                    ),
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
