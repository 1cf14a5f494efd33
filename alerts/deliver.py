"""Sending composed messages: SMTP (STARTTLS/SSL, AUTH, timeouts) or, without an SMTP
host, .eml files in the outbox folder. A message is marked sent right after the server
accepted it; a temporary failure keeps it queued with exponential back-off."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from alerts.errors import AlertError
from alerts.options import EmailConfig
from storage import AlertMessage, claim_due, mark_failed, mark_retry, mark_sent

MAX_BACKOFF = timedelta(hours=6)


class TemporaryFailure(AlertError):
    """Try again later: the server is down, busy (4xx) or refused our credentials."""


class PermanentFailure(AlertError):
    """The server refused this message for good (5xx)."""

    def __init__(self, message: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.refused = refused or {}


@dataclass
class DeliveryReport:
    sent: int = 0
    written: int = 0  # .eml files
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class SmtpMailer:
    def __init__(self, email: EmailConfig) -> None:
        self.email = email
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._disconnect()

    def _disconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                self._conn.close()
            self._conn = None

    def _connect(self) -> smtplib.SMTP:
        email = self.email
        assert email.smtp_host
        context = ssl.create_default_context(cafile=str(email.ca_file) if email.ca_file else None)
        try:
            if email.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    email.smtp_host, email.smtp_port, timeout=email.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(email.smtp_host, email.smtp_port, timeout=email.timeout)
                if email.security == "starttls":
                    conn.starttls(context=context)
            username = os.environ.get(email.username_env) if email.username_env else None
            password = os.environ.get(email.password_env) if email.password_env else None
            if username:
                conn.login(username, password or "")
        except smtplib.SMTPAuthenticationError as exc:
            # A wrong password is fixed by the user, not by dropping alerts: keep them queued.
            raise TemporaryFailure(
                f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(
                f"cannot reach {email.smtp_host}:{email.smtp_port}: {_describe(exc)}"
            ) from None
        return conn

    def send(self, sender: str, recipients: Sequence[str], raw: bytes) -> dict[str, str]:
        """Deliver; return the recipients the server refused (with its reply) while
        accepting the others."""
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = _replies(exc.recipients)
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise PermanentFailure(
                    f"all recipients refused: {_describe_replies(replies)}", replies
                ) from None
            raise TemporaryFailure(f"recipients deferred: {_describe_replies(replies)}") from None
        except smtplib.SMTPResponseException as exc:
            self._disconnect()  # a refused DATA leaves the session in no known state
            reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"refused: {reply}") from None
            raise TemporaryFailure(f"deferred: {reply}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._disconnect()
            raise TemporaryFailure(f"connection lost: {_describe(exc)}") from None
        return _replies(refused)


def write_eml(outbox: Path, message: AlertMessage) -> Path:
    """Atomically: a crash leaves either no file or the whole message."""
    outbox.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", message.rule.lower()).strip("-")[:40] or "rule"
    name = f"{message.created_at:%Y%m%dT%H%M%S}-{slug}-{message.id}.eml"
    target = outbox / name
    with tempfile.NamedTemporaryFile(dir=outbox, prefix=".tmp-", delete=False) as handle:
        handle.write(message.raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, target)
    return target


def deliver_due(
    sessions: sessionmaker[Session], email: EmailConfig, sender: str, now: datetime
) -> DeliveryReport:
    """Send every message due at `now`, each in its own transaction: claim it (see
    `storage.claim_due`: another sender running at the same time skips it), send it,
    mark it. So two senders never send one message twice, and a crash before the mark
    leaves the message queued for the next run."""
    report = DeliveryReport()
    after = 0
    unreachable: TemporaryFailure | None = None
    with SmtpMailer(email) as mailer:  # connects at the first message it sends
        while True:
            with sessions.begin() as session:
                message = claim_due(session, now, after=after)
                if message is None:
                    return report
                after = message.id
                if unreachable is not None:
                    # The server is unreachable or deferring: keep the rest queued too.
                    _retry(session, email, message, unreachable, now)
                    report.retrying += 1
                elif email.smtp_host is None:
                    write_eml(email.outbox_dir, message)
                    mark_sent(session, message.id, refused={})
                    report.written += 1
                else:
                    unreachable = _send(session, mailer, sender, message, now, report)


def _send(
    session: Session,
    mailer: SmtpMailer,
    sender: str,
    message: AlertMessage,
    now: datetime,
    report: DeliveryReport,
) -> TemporaryFailure | None:
    """Send one claimed message and record the outcome in the claim's transaction,
    whose commit follows at once: the window in which a crash could lead to a resend
    is one local commit wide. Returns the temporary failure that stops this run."""
    try:
        refused = mailer.send(sender, message.recipients, message.raw)
    except TemporaryFailure as exc:
        _retry(session, mailer.email, message, exc, now)
        report.retrying += 1
        report.errors.append(str(exc))
        return exc
    except PermanentFailure as exc:
        mark_failed(session, message.id, error=str(exc), refused=exc.refused)
        report.failed += 1
        report.errors.append(f"{message.subject}: {exc}")
        return None
    mark_sent(session, message.id, refused=refused)
    report.sent += 1
    if refused:
        report.errors.append(f"{message.subject}: refused {_describe_replies(refused)}")
    return None


def _retry(
    session: Session,
    email: EmailConfig,
    message: AlertMessage,
    failure: TemporaryFailure,
    now: datetime,
) -> None:
    mark_retry(
        session,
        message.id,
        error=str(failure),
        next_attempt_at=now + _backoff(email, message.attempts),
    )


def _backoff(email: EmailConfig, attempts: int) -> timedelta:
    return min(timedelta(seconds=email.retry_base_seconds * 2**attempts), MAX_BACKOFF)


def _describe_replies(replies: dict[str, str]) -> str:
    """`a@x: 550 5.1.1 No such user; b@y: 550 …`, as `alerts list` and `stats` show it."""
    return "; ".join(f"{recipient}: {reply}" for recipient, reply in replies.items())


def _replies(refused: dict[str, tuple[int, bytes]]) -> dict[str, str]:
    return {recipient: f"{code} {_text(msg)}" for recipient, (code, msg) in refused.items()}


def _text(value: bytes | str) -> str:
    """A server reply on one line (smtplib joins the lines of a multi-line reply with LF)."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
