from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data: erasure, export and retention (issue 18), and the registry of where it lives."""

    name = "privacy"
    verbose_name = "Personal data"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(managers_group_grant_privacy, sender=self, dispatch_uid="privacy-permissions")


# Managers read the erasure records and set retention; nobody adds, changes or deletes a record by hand.
MANAGER_PERMISSIONS = ["view_erasure", "view_retentionpolicy", "add_retentionpolicy",
                       "change_retentionpolicy", "delete_retentionpolicy"]  # fmt: skip


def managers_group_grant_privacy(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    from escalation.roster.services.engineers import MANAGERS_GROUP

    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="privacy", codename__in=MANAGER_PERMISSIONS)
    )
