"""API tokens move to django-rest-knox (hashed, expiring): the plain-text tokens of
rest_framework.authtoken are dropped, not converted. Integrators log in again (`POST /api/v1/auth/token/`)
for a new token; an old one is refused with a 401 saying so.

The `authtoken_token` table held every key in plain text, so it goes entirely, with its permissions, its
content type and the record of its migrations (the app is no longer installed; were it ever installed
again, it would start from an empty table). Reversing this migration restores nothing: the keys are gone.
"""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

TABLE = "authtoken_token"


def drop_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(TABLE)}")
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    permission.objects.filter(content_type__app_label="authtoken").delete()
    content_type.objects.filter(app_label="authtoken").delete()
    recorder = MigrationRecorder(connection)
    if recorder.has_table():
        recorder.migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0013_incident_tickets_updates_events_pages"),
        ("knox", "0009_extend_authtoken_field"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),  # log entries naming the content type lose it
    ]

    operations = [migrations.RunPython(drop_plaintext_tokens, migrations.RunPython.noop, elidable=True)]
