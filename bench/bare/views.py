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
