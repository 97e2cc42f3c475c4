"""The requester's rating form: good or bad, and an optional comment."""

from django import forms

from tickets.models import RATING_COMMENT_MAX_LENGTH, Score


class RatingForm(forms.Form):
    score = forms.ChoiceField(
        label="How did we do?",
        choices=[(Score.GOOD, "Good: it is solved"), (Score.BAD, "Bad: not solved, or not well handled")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose good or bad.", "invalid_choice": "Choose good or bad."},
    )
    comment = forms.CharField(
        label="Anything to add? (optional)",
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
