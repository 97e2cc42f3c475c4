import smtplib

from django.conf import settings
from django.core.mail import send_mail

from escalation.paging.channels import PermanentSendError, TransientSendError


def send(notification) -> str:
    subject = notification.body.split(". ", 1)[0][:150]
    try:
        send_mail(subject, notification.body, settings.DEFAULT_FROM_EMAIL, [notification.recipient])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentSendError(str(exc)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientSendError(str(exc)) from exc
    return ""
