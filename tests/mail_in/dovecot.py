"""A throwaway Dovecot IMAP server for the inbound-mail tests: Debian's `dovecot-imapd` (installed by the
test setup when missing), its own configuration, password file and maildirs in a temporary directory, on
a free loopback port. Messages are delivered into it as real MIME with IMAP APPEND."""

import grp
import os
import pwd
import socket
import subprocess
import time
from pathlib import Path

import pytest
from imap_tools import AND, MailBoxUnencrypted

from tests.system_packages import ensure_installed

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "desk", "mailbox-secret"
START_TIMEOUT_SECONDS = 15

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path) -> None:
        ensure_installed(DOVECOT, ["dovecot-imapd"])
        self.root, self.port = root, _free_port()
        self.process: subprocess.Popen | None = None
        if os.geteuid() == 0:  # Dovecot refuses mail as root: Debian's own users and nobody's uid
            internal, login = "dovecot", "dovenull"
            mail = pwd.getpwnam("nobody")
            mail_uid, mail_gid = mail.pw_uid, mail.pw_gid
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            mail_uid, mail_gid = os.getuid(), os.getgid()
        for folder in ("run", "state", "mail", "home"):
            (root / folder).mkdir(mode=0o777, exist_ok=True)
            (root / folder).chmod(0o777)
        root.chmod(0o755)
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (root / "dovecot.conf").write_text(
            CONFIG.format(
                root=root,
                port=self.port,
                internal_user=internal,
                internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
                login_user=login,
                mail_uid=mail_uid,
                mail_gid=mail_gid,
            )
        )

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot exited: {self.process.stderr.read().decode()}\n{log}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail("dovecot did not listen in time", pytrace=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def _mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=5).login(USER, PASSWORD)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        with self._mailbox() as mailbox:
            mailbox.append(raw, folder)

    def clear(self) -> None:
        """Every folder emptied: each test starts from an empty mailbox."""
        with self._mailbox() as mailbox:
            for folder in mailbox.folder.list():
                mailbox.folder.set(folder.name)
                uids = mailbox.uids()
                if uids:
                    mailbox.delete(uids)

    def unseen(self, folder: str = "INBOX") -> int:
        with self._mailbox() as mailbox:
            mailbox.folder.set(folder)
            return len(mailbox.uids(AND(seen=False)))

    def count(self, folder: str) -> int:
        with self._mailbox() as mailbox:
            if not mailbox.folder.exists(folder):
                return 0
            mailbox.folder.set(folder)
            return len(mailbox.uids())
