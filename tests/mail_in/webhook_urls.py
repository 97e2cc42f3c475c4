"""The project's URLs with the inbound webhooks mounted, as MAIL_INBOUND_WEBHOOKS=1 mounts them."""

from support_desk.inbound.webhooks import webhook_urlpatterns
from support_desk.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, *webhook_urlpatterns()]
