from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "support_desk.inbound"
    label = "inbound"
    verbose_name = "Inbound email"

    def ready(self) -> None:
        from anymail.signals import inbound

        from .webhooks import inbound_webhook_received

        inbound.connect(inbound_webhook_received, dispatch_uid="support_desk.inbound.webhook")
