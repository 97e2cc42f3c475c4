from django.urls import path

from bench.bare.views import BareCreate, bare_form
from support_desk.urls import urlpatterns as product

urlpatterns = [
    path("bench/bare-tickets/", BareCreate.as_view()),
    path("bench/bare-form/", bare_form),
    *product,
]
