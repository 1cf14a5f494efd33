"""Source health: say what is wrong with a source, by name, and tell the operator once
per problem (and once when it recovers) through the alert outbox.

    diagnose (pure: facts → named problems, and the one worth an email) → notify

A source is worth an email when it used to deliver and has delivered nothing new for
`[health] health_after`, or when every one of its listings failed its last
`failed_runs` fetches. The email names the most specific problem found: a bot wall, a
robots.txt that disallows everything, failing fetches, pages that extract empty or too
short (a changed template), paywall teasers, a listing that stopped changing — or just
the silence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from sqlalchemy.orm import Session, sessionmaker

from alerts.compose import one_line
from alerts.options import EmailConfig, HealthConfig
from storage import RunSignals, SourceFacts, queue_message, set_notified, source_facts

# The outbox row's rule for health emails (alert rules' names come from the config:
# this one is long and odd enough not to meet one).
HEALTH_RULE = "(chipwatch source health)"

# Most specific first: the email names the first one found.
TITLES = {
    "bot_wall": "bot wall (challenge page)",
    "robots_disallow": "robots.txt disallows it",
    "failing": "fetches fail",
    "empty_extraction": "pages extract empty or too short (changed template?)",
    "paywall": "paywall teasers",
    "stale_listing": "listing stopped changing",
    "silent": "nothing new",
}
PRIORITY = tuple(TITLES)
MIN_PAGES = 3  # article pages a run must have tried before their outcomes say anything


@dataclass(frozen=True)
class Problem:
    name: str  # one of TITLES
    detail: str

    @property
    def title(self) -> str:
        return TITLES[self.name]


@dataclass(frozen=True)
class Diagnosis:
    source: str
    problems: tuple[Problem, ...] = ()
    alarm: Problem | None = None  # what the operator is told about; None: all is well
    why: str = ""  # why it is worth an email


@dataclass
class HealthReport:
    diagnoses: list[Diagnosis] = field(default_factory=list)
    problems_mailed: int = 0
    recoveries_mailed: int = 0


def diagnose(facts: SourceFacts, *, now: datetime, health: HealthConfig) -> Diagnosis:
    after = timedelta(seconds=health.health_after)
    found: list[Problem] = []
    for listing in facts.listings:
        where = f"{listing.kind} {listing.url}"
        if listing.problem == "bot_wall":
            found.append(Problem("bot_wall", f"{where}: {listing.problem_detail or 'challenge'}"))
        elif listing.problem == "robots":
            found.append(Problem("robots_disallow", f"robots.txt disallows {where}"))
        elif listing.problem and listing.failures:
            found.append(
                Problem(
                    "failing",
                    f"{where}: {listing.problem_detail or listing.problem}, "
                    f"{listing.failures} failed fetch(es) in a row",
                )
            )
        changed = listing.last_change or listing.first_fetch
        if not listing.failures and listing.fetches >= 2 and changed and changed <= now - after:
            found.append(Problem("stale_listing", f"{where} unchanged since {_when(changed)}"))
    if facts.recent and facts.recent[0].signals.get("robots_disallow"):
        found.append(Problem("robots_disallow", "robots.txt disallows everything for chipwatch"))
    pages = next((run for run in facts.recent if _attempts(run)), None)
    if pages is not None:
        found += _page_problems(pages)
    silent = (
        facts.articles_total > 0
        and facts.last_new_article is not None
        and facts.last_new_article <= now - after
    )
    if silent:
        assert facts.last_new_article is not None
        found.append(Problem("silent", f"no new article since {_when(facts.last_new_article)}"))
    problems = tuple(sorted(_unique(found), key=lambda p: PRIORITY.index(p.name)))
    failing = bool(facts.listings) and all(
        listing.failures >= health.failed_runs for listing in facts.listings
    )
    if failing:
        why = f"every listing failed its last {health.failed_runs} fetches"
        return Diagnosis(facts.source, problems, problems[0], why)
    if silent:
        return Diagnosis(facts.source, problems, problems[0], problems[-1].detail)
    return Diagnosis(facts.source, problems)


def _attempts(run: RunSignals) -> int:
    """Article pages the run fetched and judged (stored, copies, or skipped for what
    they contained)."""
    judged = ("empty", "too_short", "duplicate", "not_required")
    return (
        run.new_articles
        + sum(run.skipped.get(k, 0) for k in judged)
        + run.errors.get("bot_wall", 0)
    )


def _page_problems(run: RunSignals) -> list[Problem]:
    attempts = _attempts(run)
    found = []
    if walls := run.errors.get("bot_wall", 0):
        found.append(Problem("bot_wall", f"{walls} of {attempts} article pages: challenge page"))
    empty = run.skipped.get("empty", 0) + run.skipped.get("too_short", 0)
    if empty >= MIN_PAGES and 2 * empty >= attempts:
        found.append(
            Problem(
                "empty_extraction",
                f"{empty} of {attempts} article pages extracted empty or too short",
            )
        )
    paywalled = run.signals.get("paywall", 0)
    if paywalled and 2 * paywalled >= attempts:
        found.append(
            Problem("paywall", f"{paywalled} of {attempts} article pages are paywall teasers")
        )
    return found


def _unique(problems: list[Problem]) -> list[Problem]:
    """One problem per name: the first one found says it."""
    return list({p.name: p for p in reversed(problems)}.values())


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def check_health(
    sessions: sessionmaker[Session],
    sources: Sequence[str],
    health: HealthConfig,
    email: EmailConfig,
    now: datetime,
) -> HealthReport:
    """Diagnose every source; with recipients, queue one email per new problem and one
    per recovery (delivered by the alert stage's `deliver_due`)."""
    with sessions() as session:
        facts = source_facts(session, sources)
    report = HealthReport([diagnose(f, now=now, health=health) for f in facts])
    if not health.recipients:
        return report
    for diagnosis, fact in zip(report.diagnoses, facts, strict=True):
        alarm = diagnosis.alarm
        if alarm is not None and alarm.name != fact.notified:
            _queue(sessions, health, email, now, diagnosis, recovered=False)
            report.problems_mailed += 1
        elif alarm is None and fact.notified is not None:
            _queue(sessions, health, email, now, diagnosis, recovered=True)
            report.recoveries_mailed += 1
    return report


def _queue(
    sessions: sessionmaker[Session],
    health: HealthConfig,
    email: EmailConfig,
    now: datetime,
    diagnosis: Diagnosis,
    *,
    recovered: bool,
) -> None:
    source = one_line(diagnosis.source, 200)
    if recovered:
        subject = f"[chipwatch] {source} recovered"
        lines = [f"{source} delivers again: none of the problems reported before is left."]
    else:
        assert diagnosis.alarm is not None
        subject = f"[chipwatch] {source}: {diagnosis.alarm.title}"
        lines = [f"{source} needs a look: {diagnosis.why}.", "", "What chipwatch sees:"]
        lines += [f"- {p.title}: {one_line(p.detail, 500)}" for p in diagnosis.problems]
        lines += [
            "",
            "chipwatch keeps polling it on schedule and tells you once when it recovers.",
            "`chipwatch stats` shows each listing's state.",
        ]
    message = EmailMessage(policy=SMTP)
    sender = one_line(email.from_addr)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "chipwatch.invalid"
    message_id = make_msgid(idstring="chipwatch-health", domain=domain)
    subject = one_line(subject, 200)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(one_line(r) for r in health.recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["X-Chipwatch-Health"] = source
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n")
    with sessions.begin() as session:
        queue_message(
            session,
            rule=HEALTH_RULE,
            kind="health",
            message_id=message_id,
            recipients=health.recipients,
            subject=subject,
            raw=message.as_bytes(),
            matches=[],
            now=now,
        )
        set_notified(
            session,
            diagnosis.source,
            None if recovered else diagnosis.alarm.name if diagnosis.alarm else None,
            detail=None if recovered or diagnosis.alarm is None else diagnosis.alarm.detail,
            now=now,
        )
