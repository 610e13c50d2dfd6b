from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete


def forget_person(sender, instance, **kwargs) -> None:
    """A deleted account takes its statements with it: queued ones are never sent, sent ones leave the outbox
    (the LRS keeps what it already received; docs/integrations.md)."""
    from xapi.models import QueuedStatement

    QueuedStatement.objects.filter(statement__actor__account__name=str(instance.pk)).delete()


class XapiConfig(AppConfig):
    name = "xapi"
    verbose_name = "xAPI statements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_delete.connect(forget_person, sender=settings.AUTH_USER_MODEL, dispatch_uid="xapi-forget-person")
