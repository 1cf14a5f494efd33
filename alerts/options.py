"""What the alert stage needs to know, as typed frozen dataclasses: the rules and how
to send mail. chipwatch/config.py builds them from the TOML file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alerts.schedule import Schedule
from analysis.matcher import Rule


@dataclass(frozen=True)
class EmailConfig:
    from_addr: str = "chipwatch <chipwatch@localhost>"
    smtp_host: str | None = None  # None: messages go to outbox_dir as .eml files
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username_env: str | None = None
    password_env: str | None = None
    outbox_dir: Path = Path("outbox")
    timezone: str = "UTC"
    timeout: float = 30.0
    ca_file: Path | None = None  # extra CA for a private mail server's certificate
    retry_base_seconds: float = 60.0  # first back-off after a temporary failure; doubles


@dataclass(frozen=True)
class AlertConfig:
    name: str
    query: str
    recipients: tuple[str, ...]
    schedule: Schedule
    rule: Rule = field(repr=False, compare=False)
    backfill_days: int = 0
    enabled: bool = True


@dataclass(frozen=True)
class HealthConfig:
    """`[health]`: whom to tell when a source breaks (alerts/health.py)."""

    recipients: tuple[str, ...] = ()  # none: `stats` names problems, nobody is mailed
    health_after: float = 3 * 86_400.0  # seconds without anything new from a source
    failed_runs: int = 3  # failed fetches in a row of every listing of a source
