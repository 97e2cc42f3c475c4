"""Serving attachments: only through views that checked who may read the ticket, never from MEDIA_URL."""

from django.http import FileResponse, Http404

from tickets.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download under the uploader's name, with the type it was verified to be."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
