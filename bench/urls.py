from django.urls import path

from bench.bare.views import BareCreate
from support_desk.urls import urlpatterns as product

urlpatterns = [path("bench/bare-tickets/", BareCreate.as_view()), *product]
