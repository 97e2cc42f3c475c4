"""Take every `auth` permission (users, groups, permissions) away from the `managers` group (issue 11).

Earlier installs granted managers `auth.add_user`, `auth.change_user` and `auth.view_user`; with the
stock user admin that let a manager make themselves superuser. Only superusers manage users, groups and
permissions now; managers manage engineers through the engineer screens and the API.
"""

from django.db import migrations

MANAGERS_GROUP = "managers"


def managers_lose_auth_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=MANAGERS_GROUP):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="auth"))


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0004_seed_policies"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Not reversible into the old grant on purpose: going back must not hand managers the user admin.
    operations = [migrations.RunPython(managers_lose_auth_permissions, migrations.RunPython.noop)]
