from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework import generics, permissions, serializers

from .models import BareTicket


class BareTicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = BareTicket
        fields = [
            "id",
            "subject",
            "description",
            "severity",
            "requester_email",
            "requester_name",
            "access_token",
        ]
        read_only_fields = ["id", "access_token"]


class BareCreate(generics.CreateAPIView):
    """The floor to compare intake against: DRF's create on the same table shape, nothing else."""

    serializer_class = BareTicketSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []


class BareTicketForm(forms.ModelForm):
    class Meta:
        model = BareTicket
        fields = ["subject", "description", "severity", "requester_email", "requester_name"]


@require_http_methods(["GET", "HEAD", "POST"])
def bare_form(request: HttpRequest) -> HttpResponse:
    """The floor to compare the public form's POST against: a Django form view (CSRF checked by the
    middleware, as for the product's form) that validates, saves one row and redirects, nothing else."""
    form = BareTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = form.save()
        return redirect(f"{request.path}?saved={ticket.pk}")
    return render(request, "bare/form.html", {"form": form})
