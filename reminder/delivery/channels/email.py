"""Email over SMTP: implicit TLS (465), STARTTLS (587) or plain (25), one connection per pass.

The envelope sender is the login address (Chinese providers reject a mismatch); the From
header carries the Chinese display name, RFC 2047-encoded by the email package.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, formatdate, make_msgid

from reminder.config.model import EmailSettings, Office, expand_env
from reminder.delivery.channels.base import Rendered, Target, rate_key
from reminder.errors import DeliveryError, NotConfigured

# Attachments per email, base64 included well under the 20-50 MB Chinese government and
# commercial mailboxes accept.
ATTACHMENTS_MAX = 8 * 1024 * 1024
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """A header value on one line: `check` refuses line breaks in titles and names, and any
    that reach a header anyway (from templates, or the database) become one space."""
    return _BREAKS.sub(" ", text).strip()


def _domain(sender: str) -> str | None:
    """The sender's domain for the Message-ID (None: the host's name, when there is none)."""
    try:
        return Address(addr_spec=sender).domain or None
    except (IndexError, ValueError):  # no sender yet, or not an address
        return None


class EmailTransport:
    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        environ: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self._ssl_context = ssl_context  # made at the first TLS connection (it costs 40 ms)
        self._smtp: smtplib.SMTP | None = None

    def _password(self) -> str | None:
        raw = self.settings.password
        if raw is None:
            return None
        value = expand_env(raw, self.environ)
        if value is None:
            raise NotConfigured(f"the SMTP password ({raw}) is not set in the environment")
        return value

    def target(self, office: Office) -> Target:
        s = self.settings
        if not office.email:
            raise NotConfigured(f"office {office.id} has no email address")
        if not s.host:
            raise NotConfigured("[email] host is not configured")
        if s.username and s.password is None:
            raise NotConfigured("[email] has a username but no password")
        self._password()
        return Target(
            channel=self.name,
            address=",".join(office.email),
            shown=", ".join(office.email),
            rate_key=rate_key(self.name, s.host),
            per_minute=s.per_minute,
            recipients=office.email,
        )

    def parts(self, target: Target, message: Rendered) -> int:
        """1, or 2 when its attachments pass ATTACHMENTS_MAX: a digest is then sent as
        several emails, each within it."""
        size = sum(len(a.data) for a in message.attachments)
        return 1 if size <= ATTACHMENTS_MAX else 2

    def payloads(self, target: Target, message: Rendered) -> list[object]:
        s = self.settings
        sender = s.sender or s.username or ""
        msg = EmailMessage()
        msg["Subject"] = one_line(message.subject)
        name = one_line(s.sender_name)
        msg["From"] = formataddr((name, sender)) if name else sender
        msg["To"] = ", ".join(target.recipients)
        msg["Message-ID"] = make_msgid(domain=_domain(sender))
        # RFC 5322 requires a Date. Every message the service composes carries the clock's
        # instant; the wall clock is only a fallback for a caller that did not set one.
        msg["Date"] = format_datetime(message.at) if message.at else formatdate(localtime=True)
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        for a in message.attachments:
            msg.add_attachment(
                a.data, maintype=a.maintype, subtype=a.subtype, filename=one_line(a.filename)
            )
        return [msg]

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            ca_file = self.settings.ca_file
            try:
                self._ssl_context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ValueError) as exc:  # gone since the check, or not a CA bundle
                raise DeliveryError(
                    f"cannot load [email] ca_file {ca_file}: {type(exc).__name__}",
                    permanent=True,
                    code="ca_file",
                ) from None
        return self._ssl_context

    def _connect(self) -> smtplib.SMTP:
        """A logged-in connection, or a DeliveryError saying which step failed: reaching the
        server, the TLS handshake, STARTTLS or AUTH not offered, or the login refused."""
        s = self.settings
        assert s.host is not None
        where = f"SMTP server {s.host}:{s.port}"
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self.ssl_context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"TLS with {where} failed ({exc.reason or type(exc).__name__}): is it "
                'security = "ssl" (465) or "starttls" (587)?',
                permanent=False,
                code="tls",
            ) from None
        try:
            if s.security == "starttls":
                try:
                    smtp.starttls(context=self.ssl_context)
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(
                        f'{where} does not offer STARTTLS: set security = "ssl" (465) or, '
                        'on a trusted network only, "none"',
                        permanent=True,
                        code="starttls",
                    ) from None
                except ssl.SSLError as exc:
                    raise DeliveryError(
                        f"TLS with {where} failed ({exc.reason or type(exc).__name__})",
                        permanent=False,
                        code="tls",
                    ) from None
            password = self._password()
            if s.username and password is not None:
                try:
                    smtp.login(s.username, password)
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(
                        f"{where} does not offer AUTH (login)"
                        + (
                            ': most servers offer it only after STARTTLS or over "ssl"'
                            if s.security == "none"
                            else ""
                        ),
                        permanent=True,
                        code="auth",
                    ) from None
        except BaseException:
            with contextlib.suppress(OSError):
                smtp.close()
            raise
        return smtp

    def send(self, target: Target, payload: object) -> str:
        assert isinstance(payload, EmailMessage)
        envelope = self.settings.username or self.settings.sender or ""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(payload, from_addr=envelope, to_addrs=list(target.recipients))
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise DeliveryError(
                f"SMTP login refused ({exc.smtp_code})", permanent=True, code=str(exc.smtp_code)
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({str(code) for code, _ in exc.recipients.values()})
            raise DeliveryError(
                f"recipients refused: {', '.join(exc.recipients)}",
                permanent=all(c.startswith("5") for c in codes),
                code=",".join(codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(
                f"SMTP server answered {exc.smtp_code}",
                permanent=500 <= exc.smtp_code < 600,
                code=str(exc.smtp_code),
            ) from None
        except DeliveryError:
            self._drop()
            raise
        except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, disconnected
            self._drop()
            reason = "timed out" if isinstance(exc, socket.timeout) else type(exc).__name__
            raise DeliveryError(
                f"cannot connect to SMTP server {self.settings.host}:{self.settings.port} "
                f"({reason})",
                permanent=False,
                code="network",
            ) from None
        return "250"

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None
