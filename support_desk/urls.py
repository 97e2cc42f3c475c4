from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .inbound.webhooks import webhook_urlpatterns
from .views import favicon, healthz
from .web.forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("escalation.urls")),
    path("", include("support_desk.api.urls")),
    path("", include("support_desk.web.urls")),
]
if (
    settings.MAIL_INBOUND_WEBHOOKS
):  # inbound email from a provider's webhook (support_desk/inbound/webhooks.py)
    urlpatterns += webhook_urlpatterns()
