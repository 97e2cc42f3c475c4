"""gunicorn's configuration (`gunicorn -c python:support_desk.gunicorn_conf`, the Procfile's `web`).

Only what the command line cannot say: gunicorn's access and error logs get the same access-token filter
as Django's (support_desk/log_redaction.py), so `/t/<token>/` and `/api/v1/public/tickets/<token>/` (in
the request line or a Referer) are written `<redacted>`. Bind address, workers and log destinations stay
on the command line.
"""

from gunicorn.glogging import Logger

from support_desk.log_redaction import install_on_handlers


class RedactingLogger(Logger):
    """gunicorn's logger, every handler it sets up (access, error, syslog, logconfig) filtered."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        install_on_handlers(self.error_log, self.access_log)


logger_class = RedactingLogger
