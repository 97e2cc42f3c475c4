"""The requester's rating form: good or bad, and an optional comment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import RATING_COMMENT_MAX_LENGTH, Score


class RatingForm(forms.Form):
    score = forms.ChoiceField(
        label=_("How did we do?"),
        choices=[
            (Score.GOOD, _("Good: it is solved")),
            (Score.BAD, _("Bad: not solved, or not well handled")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose good or bad."), "invalid_choice": _("Choose good or bad.")},
    )
    comment = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
