"""The satisfaction report and the requester's rating, as the API shows them."""

from rest_framework import serializers

from tickets.models import RATING_COMMENT_MAX_LENGTH, Score


class SatisfactionRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text="The engineer's username, the customer's id, the severity, or the week's Monday "
        "(YYYY-MM-DD); null for ratings with no engineer or no customer.",
    )
    label = serializers.CharField(
        help_text="The engineer's name, the customer's name, or the ISO week (2025-W23)."
    )
    good = serializers.IntegerField()
    bad = serializers.IntegerField()
    rated = serializers.IntegerField()
    rate = serializers.FloatField(
        allow_null=True, help_text="Per cent good: good / (good + bad), one decimal; null when none rated."
    )


class RatingCommentSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="reference")
    score = serializers.ChoiceField(choices=Score.choices)
    comment = serializers.CharField()
    resolved_at = serializers.DateTimeField()
    engineer = serializers.CharField(allow_null=True)
    customer = serializers.CharField(allow_null=True)
    severity = serializers.CharField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    timezone = serializers.CharField(source="zone.key")


class SatisfactionSerializer(serializers.Serializer):
    period = PeriodSerializer()
    total = SatisfactionRowSerializer()
    engineer = SatisfactionRowSerializer(many=True)
    customer = SatisfactionRowSerializer(many=True)
    severity = SatisfactionRowSerializer(many=True)
    week = SatisfactionRowSerializer(many=True)
    comments_total = serializers.IntegerField(
        help_text="Comments in the period; `comments` holds the newest 50."
    )
    comments = RatingCommentSerializer(many=True)


class RatingCreateSerializer(serializers.Serializer):
    score = serializers.ChoiceField(choices=Score.choices)
    comment = serializers.CharField(
        max_length=RATING_COMMENT_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RatingSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="ticket.reference")
    cycle = serializers.IntegerField(help_text="The resolution cycle rated: 1, then 2 after a reopening, ...")
    score = serializers.ChoiceField(choices=Score.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
