"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 with STARTTLS (a self-signed
certificate made at run time) and AUTH, recording what it accepted."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from alerts.options import EmailConfig

USER, PASSWORD = "chipwatch", "s3cret-pass"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


def part_text(message: EmailMessage, subtype: str) -> str:
    """The text of the message's text/SUBTYPE part ("plain" or "html")."""
    part = message.get_body((subtype,))
    assert part is not None, f"the message has no text/{subtype} part"
    return part.get_content()


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    stall_rcpt: set[str] = field(default_factory=set)  # RCPT TO answered only after a long wait
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        if address in self.stall_rcpt:
            import asyncio

            self.stalled.set()
            await asyncio.sleep(60)
            return "451 4.3.0 Try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content or envelope.content,
                )
            )
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Start/stop an aiosmtpd server on a fixed port (so it can go down and come back)."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.cert, self.key = make_certificate(folder)
        self.handler = Handler()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=_authenticate,
            auth_required=True,
            auth_require_tls=True,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.handler.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def email_config(self, sender: str = "a@chipwatch.test") -> EmailConfig:
        """The same settings as `email_toml`, as the alerts package takes them."""
        return EmailConfig(
            from_addr=sender,
            smtp_host="127.0.0.1",
            smtp_port=self.port,
            security="starttls",
            username_env="CW_TEST_SMTP_USER",
            password_env="CW_TEST_SMTP_PASSWORD",
            ca_file=self.cert,
            timeout=10,
        )

    def email_toml(self, extra: str = "") -> str:
        return f"""
[email]
from = "chipwatch <alerts@chipwatch.test>"
smtp_host = "127.0.0.1"
smtp_port = {self.port}
security = "starttls"
username_env = "CW_TEST_SMTP_USER"
password_env = "CW_TEST_SMTP_PASSWORD"
ca_file = "{self.cert}"
timezone = "Europe/Berlin"
timeout = 10
retry_base_seconds = 0
{extra}
"""


SMTP_ENV = {"CW_TEST_SMTP_USER": USER, "CW_TEST_SMTP_PASSWORD": PASSWORD}
