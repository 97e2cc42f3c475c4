from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "support_desk.inbound"
    label = "inbound"
    verbose_name = "Inbound email"
