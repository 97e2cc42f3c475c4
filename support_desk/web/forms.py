"""Forms of the web pages: they parse and validate; the views call services with what they return."""

import zoneinfo
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation.incidents.models import Impact
from escalation.incidents.services.incidents import UPDATE_MAX_LENGTH
from escalation.roster.selectors import engineer_shift_at
from escalation.roster.services.engineers import DEACTIVATED_MESSAGE, login_deactivated
from support_desk.lockout import lockout_message
from tickets.assignment import AssigneeOffShift
from tickets.models import ATTACHMENT_MAX_BYTES, DESCRIPTION_MAX_LENGTH, SUBJECT_MAX_LENGTH, Severity, Status
from tickets.search import SEARCH_MAX_LENGTH

from .presenters import SEVERITY_PARTS, assignee_label, person
from .selectors import STATUS_ACTIVE, STATUS_ANY, QueueFilters, Scope
from .uploads import ACCEPT_ATTRIBUTE, ALLOWED_DESCRIPTION, AttachmentRejected, attachment_content_type


class _SaysWhenDeactivated:
    """A login refused because the account was deactivated says so (the right password only); one refused
    by the lockout says that instead (and the deactivated check, which reads the password, does not run)."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError as refusal:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code="locked_out") from refusal
            username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            if username and password and login_deactivated(username=username, password=password):
                raise ValidationError(DEACTIVATED_MESSAGE, code="inactive") from refusal
            raise


class LoginForm(_SaysWhenDeactivated, AuthenticationForm):
    """The engineers' login page (/accounts/login/)."""


class AdminLoginForm(_SaysWhenDeactivated, AdminAuthenticationForm):
    """The admin's login page (/admin/login/)."""


HONEYPOT_FIELD = "website"
NAME_MAX_LENGTH = 200


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def browser_zone(value: str) -> ZoneInfo | None:
    """The IANA zone the browser reported, or None when it sent nothing usable."""
    return ZoneInfo(value) if value in _known_zones() else None


class AttachmentMixin(forms.Form):
    """An optional attachment, checked by content; `oversized` names fields the upload handler cut off."""

    attachment = forms.FileField(
        required=False,
        label=gettext_lazy("Attachment (optional)"),
        help_text=format_lazy(
            gettext_lazy("A screenshot, log or document: {types}, at most {size} MiB."),
            types=ALLOWED_DESCRIPTION,
            size=ATTACHMENT_MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.FileInput(
            attrs={"accept": ACCEPT_ATTRIBUTE, "data-max-bytes": str(ATTACHMENT_MAX_BYTES)}
        ),
    )

    def __init__(self, *args, oversized: set[str] | frozenset[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.oversized = oversized
        self.attachment_type: str | None = None

    def clean_attachment(self) -> UploadedFile | None:
        if self.add_prefix("attachment") in self.oversized:  # the upload handler knows fields by HTML name
            raise forms.ValidationError(
                _("The file is larger than %(size)d MiB.") % {"size": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            self.attachment_type = attachment_content_type(upload)
        except AttachmentRejected as rejected:
            raise forms.ValidationError(str(rejected), code="rejected") from None
        return upload


def _severity_choice(value: str) -> str:
    name, meaning = SEVERITY_PARTS[value]
    return format_html('<strong>{}<span class="visually-hidden">:</span></strong> {}', name, meaning)


class TicketForm(AttachmentMixin):
    severity = forms.ChoiceField(
        label=gettext_lazy("How serious is it?"),
        # Worded when the form is rendered, in the page's language (the choices are built per form).
        choices=[(value, value) for value in Severity.values],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how serious the problem is.")},
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        help_text=gettext_lazy("One line: what is wrong, and where."),
        error_messages={"required": gettext_lazy("Give the ticket a subject.")},
    )
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("When it started, what viewers see, stream or channel names, error messages."),
        error_messages={"required": gettext_lazy("Describe the problem.")},
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email"),
        max_length=254,
        help_text=gettext_lazy("We send the private link to this address."),
        error_messages={
            "required": gettext_lazy("Enter your email address."),
            "invalid": gettext_lazy("Enter an email address."),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("How we address you in our replies."),
        error_messages={"required": gettext_lazy("Enter your name.")},
    )
    # Filled by static/js/desk.js from the browser (Intl); promises are shown in this zone.
    timezone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # Hidden from people (see desk.css); bots fill every field they find.
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    field_order = ["severity", "subject", "description", "email", "name", "attachment", "timezone", "website"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [(value, _severity_choice(value)) for value in Severity.values]

    def clean_subject(self) -> str:
        return " ".join(self.cleaned_data["subject"].split())

    def clean_timezone(self) -> ZoneInfo | None:
        return browser_zone(self.cleaned_data.get("timezone", ""))

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD))


class CustomerReplyForm(AttachmentMixin):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write your reply first.")},
    )


class ReplyForm(AttachmentMixin):
    body = forms.CharField(
        label="Reply to the customer",
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The customer sees this and gets it by email.",
        error_messages={"required": "Write the reply first."},
    )
    # Any status but `new` is accepted; the state machine decides, after the reply, in the same transaction.
    status = forms.ChoiceField(
        label="Then set the status",
        required=False,
        choices=[("", "Keep the status"), *((v, label) for v, label in Status.choices if v != Status.NEW)],
        help_text="Sent and set together: if the status cannot change, nothing is sent.",
    )

    field_order = ["body", "attachment", "status"]

    def __init__(self, *args, allowed: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [
            ("", "Keep the status"),
            *((value, f"Send and set {Status(value).label.lower()}") for value in allowed),
        ]


class NoteForm(AttachmentMixin):
    body = forms.CharField(
        label="Internal note",
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only engineers see notes. The customer never does.",
        error_messages={"required": "Write the note first."},
    )

    field_order = ["body", "attachment"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text += " Files on a note are for engineers only, like the note."


class MacroPickForm(forms.Form):
    """The canned-reply picker on the ticket page: a GET that fills the reply box (or, with JavaScript,
    inserts the macro where the cursor is, keeping what was typed)."""

    macro = forms.TypedChoiceField(label="Canned reply", coerce=int, required=False)

    def __init__(self, *args, macros, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].choices = [
            ("", "Choose a canned reply"),
            *((macro.pk, macro.name + (" (shared)" if macro.shared else "")) for macro in macros),
        ]

    def chosen(self) -> int | None:
        if not self.is_valid():
            return None
        return self.cleaned_data.get("macro") or None


class StatusForm(forms.Form):
    # Any status is accepted here; the state machine (tickets.states) decides and explains refusals.
    status = forms.ChoiceField(
        label="Change status to", choices=Status.choices, error_messages={"required": "Choose a status."}
    )

    def __init__(self, *args, allowed: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [
            ("", "Choose a status"),
            *((value, Status(value).label) for value in allowed),
        ]


CONFIRM_OFF_SHIFT_LABEL = "Assign anyway, although they are off shift"


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Assign to",
        empty_label="Nobody (back to the team queue)",
    )
    # Shown once an assignment was refused because the engineer is off shift.
    confirm_off_shift = forms.BooleanField(
        required=False, widget=forms.HiddenInput, label=CONFIRM_OFF_SHIFT_LABEL
    )

    def __init__(self, *args, engineers, now: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = engineers
        # Who is on shift now and until when; for the others when their next shift starts.
        field.label_from_instance = lambda user: assignee_label(engineer_shift_at(user.engineer, now))

    def ask_to_confirm_off_shift(self, refused: AssigneeOffShift) -> None:
        """The service refused: say why, keep the choice, and offer the confirmation."""
        self.fields["confirm_off_shift"].widget = forms.CheckboxInput()
        self.add_error(
            "assignee",
            f"{refused} Nothing was changed. To assign anyway, tick “{CONFIRM_OFF_SHIFT_LABEL}” and "
            "reassign: the ticket then stays with them until their next shift ends.",
        )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label="Severity", choices=Severity.choices)


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; anything invalid falls back to the default."""

    scope = forms.ChoiceField(
        required=False,
        choices=[(Scope.ALL, "All"), (Scope.MINE, "Mine"), (Scope.UNASSIGNED, "Unassigned")],
    )
    severity = forms.ChoiceField(required=False, label="Severity", choices=[("", "Any"), *Severity.choices])
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[(STATUS_ACTIVE, "Needs work"), *Status.choices, (STATUS_ANY, "Any")],
    )
    search = forms.CharField(
        required=False,
        label="Search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "SD-1042, email, name, words", "autocomplete": "off"}
        ),
    )

    def filters(self) -> QueueFilters:
        """Each filter on its own: one bad value does not reset the others."""
        values = {}
        for name, field in self.fields.items():
            try:
                values[name] = field.clean(self.data.get(name, ""))
            except forms.ValidationError:
                values[name] = ""
        defaults = QueueFilters()
        return QueueFilters(
            scope=values["scope"] or defaults.scope,
            severity=values["severity"] or defaults.severity,
            status=values["status"] or defaults.status,
            search=values["search"],
        )


# --- an incident's actions (web/views/incidents.py) ----------------------------------------------------


class IncidentUpdateForm(forms.Form):
    body = forms.CharField(
        label="Public update",
        max_length=UPDATE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A public reply on every linked ticket, and an email to the customers' incident contacts.",
        error_messages={"required": "Write the update first."},
    )


class IncidentResolveForm(forms.Form):
    final_update = forms.CharField(
        label="Final update (optional)",
        required=False,
        max_length=UPDATE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent like any public update, before the incident resolves.",
    )
    resolve_tickets = forms.BooleanField(required=False, initial=True, label="Resolve the linked tickets too")


class IncidentCommanderForm(forms.Form):
    commander = forms.TypedChoiceField(
        coerce=int,
        label="Commander",
        help_text="Paged at once; takes the incident's tickets.",
        error_messages={"invalid_choice": "Choose an active engineer."},
    )

    def __init__(self, *args, engineers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.engineers = {user.pk: user for user in engineers}  # read once, for the choices and the answer
        self.fields["commander"].choices = [(pk, person(user)) for pk, user in self.engineers.items()]

    def clean_commander(self):
        return self.engineers[self.cleaned_data["commander"]]


class ImpactWindowForm(forms.Form):
    """A manager corrects the outage window the availability report counts, in their own zone."""

    impact = forms.ChoiceField(label="Impact", choices=Impact.choices)
    started_at = forms.DateTimeField(
        label="Impact started", widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60})
    )
    impact_ended_at = forms.DateTimeField(
        label="Impact ended",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}),
        help_text="Empty while it is still going on.",
    )
    reason = forms.CharField(
        label="Why", max_length=500, error_messages={"required": "Say why the window changes."}
    )

    def __init__(self, *args, zone, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def _aware(self, value):
        if value is None:
            return None
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def clean_started_at(self):
        return self._aware(self.cleaned_data["started_at"])

    def clean_impact_ended_at(self):
        return self._aware(self.cleaned_data.get("impact_ended_at"))


class TicketIncidentForm(forms.Form):
    incident = forms.IntegerField(
        label="Incident number", required=False, min_value=1, help_text="Empty unlinks the ticket."
    )
