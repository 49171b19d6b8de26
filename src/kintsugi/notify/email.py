"""Email over SMTP: one multipart/alternative message (plain text and HTML) per notification,
wrapped in multipart/mixed with the attachments when it has any."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from kintsugi.notify.base import ChannelError, Message
from kintsugi.notify.config import NotifySettings

PERMANENT_SMTP_ERRORS = (
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
)


def build_email(message: Message, sender: str) -> EmailMessage:
    """The MIME message: text/plain first, text/html as the preferred alternative, then the
    attachments."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = ", ".join(message.email_to)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        mail.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    return mail


class EmailChannel:
    """Sends through the SMTP server of the settings."""

    name = "email"

    def __init__(self, settings: NotifySettings) -> None:
        if not settings.smtp_host:
            raise ValueError("email needs KINTSUGI_SMTP_HOST")
        self.settings = settings
        self.host = settings.smtp_host

    def applies_to(self, message: Message) -> bool:
        return bool(message.email_to)

    def recipient(self, message: Message) -> str:
        return ", ".join(message.email_to)

    def send(self, message: Message) -> str:
        mail = build_email(message, self.settings.smtp_from)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except PERMANENT_SMTP_ERRORS as exc:
            raise ChannelError(f"SMTP {self.host}: {_describe(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx replies are temporary by definition (RFC 5321); 5xx are permanent.
            raise ChannelError(
                f"SMTP {self.host}: {_describe(exc)}", retryable=400 <= exc.smtp_code < 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP {self.host}: {_describe(exc)}", retryable=True) from exc
        return str(mail["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        timeout = s.timeout_seconds
        context = ssl.create_default_context()
        if s.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, s.smtp_port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, s.smtp_port, timeout=timeout)
        try:
            smtp.ehlo()
            secure = s.smtp_security == "ssl"
            if s.smtp_security == "starttls" or (
                s.smtp_security == "auto" and smtp.has_extn("starttls")
            ):
                smtp.starttls(context=context)
                smtp.ehlo()
                secure = True
            if s.smtp_user:
                if not secure and s.smtp_security != "none":
                    raise ChannelError(
                        f"SMTP {self.host}: the server offers no STARTTLS; refusing to send the "
                        "password in clear (set KINTSUGI_SMTP_SECURITY=none to allow it)"
                    )
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_user, password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{addr} ({code})" for addr, (code, _msg) in exc.recipients.items())
        return f"recipients refused: {refused}"
    return str(exc) or type(exc).__name__
