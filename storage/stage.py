"""The analyse stage, between storing and alerting: entity tags, duplicates, stories.

Articles are stored by the crawl (or `import`) and wait here (`stage_version` NULL).
The stage takes them in publication order and, for each:

1. **tags** title and text with the entity registry (analysis.tagger) and keeps the
   mentions, replacing older ones (a new registry re-tags: `reindex`);
2. **deduplicates**: the same text on another source (exact digest) or a near copy
   (MinHash LSH, analysis.dedup) is recorded as `duplicate_of` the earlier article and
   joins its story; it is never alerted on its own;
3. **groups** the rest into stories (analysis.stories): one real-world event across
   languages and sources;
4. gives it the next `analysed_seq`: alert rules see an article only after this, in
   this order.

One writer per database (`storage.locks.analyse_lock`), so the sequence has no gaps and
no two stages group the same article. A batch is one transaction: a crash loses at most
the batch in progress, which the next run does again. What the grouper and the duplicate
index knew is rebuilt at the start from the stored recent window, so a run from cron
groups with what earlier runs stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from analysis.dedup import DuplicateIndex, Signature, SignatureError, signature
from analysis.registry import default_registry
from analysis.stories import LANGUAGES, StoryArticle, StoryGrouper
from analysis.tagger import tag
from storage.locks import analyse_lock
from storage.models import Article, Mention, Story

# Raise when what the stage stores per article changes (the tagger's registry or
# rules): `reindex` then re-tags every article. Grouping and duplicates are decided
# once per article and kept, so a story's alerts never repeat.
STAGE_VERSION = 1
BATCH = 200
DEDUP_WINDOW = timedelta(days=30)  # a copy is looked for among this many days' articles
# Stories reopened at the start: the grouper's window and its longest story span.
STORY_WINDOW = timedelta(days=11)


@dataclass
class StageReport:
    analysed: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    stories_opened: int = 0
    stories_joined: int = 0
    retagged: int = 0  # grouped before, tagged again for a newer stage version


@dataclass
class _State:
    dedup: DuplicateIndex = field(default_factory=DuplicateIndex)
    grouper: StoryGrouper = field(default_factory=StoryGrouper)
    story_of_group: dict[int, int] = field(default_factory=dict)  # grouper id → stories.id
    next_seq: int = 1


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article).where(_pending())) or 0


def analyse_pending(
    sessions: sessionmaker[Session],
    *,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> StageReport:
    """Run the stage over every pending article, as the database's one analyse writer
    (its analyse lock: an advisory lock on PostgreSQL, a lock file beside SQLite's), so
    several crawl processes storing into one database still analyse in one order."""
    engine = sessions.kw["bind"]
    with analyse_lock(engine):
        return _analyse_all(sessions, batch, progress)


def _analyse_all(
    sessions: sessionmaker[Session],
    batch: int,
    progress: Callable[[int, int], None] | None,
) -> StageReport:
    report = StageReport()
    with sessions() as session:
        total = pending_count(session)
        if not total:
            return report
        state = _restore(session)
    while True:
        with sessions.begin() as session:
            articles = list(
                session.scalars(
                    select(Article)
                    .where(_pending())
                    .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
                    .limit(batch)
                )
            )
            if not articles:
                return report
            # one flush per batch, at commit: nothing here reads what it just wrote
            # except through the identity map
            with session.no_autoflush:
                for article in articles:
                    _analyse(session, article, state, report)
        report.analysed += len(articles)
        if progress is not None:
            progress(report.analysed, total)


def _pending() -> ColumnElement[bool]:
    return or_(Article.stage_version.is_(None), Article.stage_version < STAGE_VERSION)


def _analyse(session: Session, article: Article, state: _State, report: StageReport) -> None:
    mentions = _tag(article)
    if article.stage_version is not None:  # tagged before: a newer stage re-tags it
        session.execute(delete(Mention).where(Mention.article_id == article.id))
    session.add_all(mentions)
    if article.story_id is None:
        title = {m.entity for m in mentions if m.field == "title"}
        _place(session, article, {m.entity for m in mentions}, title, state, report)
    else:
        report.retagged += 1
    article.stage_version = STAGE_VERSION
    if article.analysed_seq is None:
        article.analysed_seq = state.next_seq
        state.next_seq += 1


def _tag(article: Article) -> list[Mention]:
    found = []
    for field_name, text in (("title", article.title or ""), ("text", article.text)):
        for m in tag(text, article.language):
            found.append(
                Mention(
                    article_id=article.id,
                    entity=m.entity,
                    alias=m.alias,
                    field=field_name,
                    start=m.start,
                    end=m.end,
                    rule=m.rule,
                )
            )
    return found


def _place(
    session: Session,
    article: Article,
    entities: set[str],
    title_entities: set[str],
    state: _State,
    report: StageReport,
) -> None:
    """A duplicate joins its original's story; anything else goes to the grouper."""
    sig = signature(article.text)
    article.signature = sig.to_bytes()
    copy = state.dedup.find_signature(sig)
    if copy is not None:
        original = session.get(Article, copy.id)
        if original is not None and original.story_id is not None:
            article.duplicate_of = original.id
            _join(session.get_one(Story, original.story_id), article)
            if copy.kind == "exact":
                report.exact_duplicates += 1
            else:
                report.near_duplicates += 1
            return
    state.dedup.add_signature(article.id, sig)
    assignment = state.grouper.add(_story_article(article, entities, title_entities))
    story_id = state.story_of_group.get(assignment.story)
    if story_id is None:
        story = Story(
            title=article.title,
            first_seen=_when(article),
            last_seen=_when(article),
            article_count=0,
        )
        session.add(story)
        session.flush()
        state.story_of_group[assignment.story] = story.id
        report.stories_opened += 1
    else:
        story = session.get_one(Story, story_id)
        report.stories_joined += 1
    _join(story, article)


def _join(story: Story, article: Article) -> None:
    article.story_id = story.id
    story.article_count += 1
    when = _when(article)
    if when < story.first_seen:
        story.first_seen, story.title = when, article.title
    story.last_seen = max(story.last_seen, when)


def _when(article: Article) -> datetime:
    return article.published_at or article.fetched_at


def _story_article(
    article: Article, entities: Iterable[str], title_entities: Iterable[str]
) -> StoryArticle:
    registry = default_registry()
    ids = frozenset(entities)
    return StoryArticle(
        id=article.id,
        # The grouper reads event words in German, English and Chinese; in any other
        # language it still has the entities, figures and model numbers, which carry
        # across languages, and English is the lexicon most such texts quote.
        language=article.language if article.language in LANGUAGES else "en",
        title=article.title or "",
        text=article.text,
        published=_when(article),
        entities=ids,
        title_entities=frozenset(title_entities),
        orgs=frozenset(registry.top(e) for e in ids if e in registry.entities),
    )


def _restore(session: Session) -> _State:
    """The duplicate index and the open stories, from what is stored: the stage of this
    run groups with what earlier runs grouped."""
    state = _State()
    state.next_seq = (session.scalar(select(func.max(Article.analysed_seq))) or 0) + 1
    oldest_pending = session.scalar(
        select(func.min(func.coalesce(Article.published_at, Article.fetched_at))).where(_pending())
    )
    if oldest_pending is None:
        return state
    rows = session.execute(
        select(Article.id, Article.signature).where(
            Article.signature.is_not(None),
            Article.duplicate_of.is_(None),
            Article.fetched_at >= oldest_pending - DEDUP_WINDOW,
        )
    )
    for article_id, data in rows:
        assert data is not None  # selected for it
        try:
            state.dedup.add_signature(article_id, Signature.from_bytes(data))
        except SignatureError:
            continue  # written by another version: that article is not a candidate
    stories = session.scalars(
        select(Story).where(Story.last_seen >= oldest_pending - STORY_WINDOW).order_by(Story.id)
    ).all()
    if stories:
        _restore_stories(session, state, stories)
    return state


def _restore_stories(session: Session, state: _State, stories: Sequence[Story]) -> None:
    members = session.scalars(
        select(Article)
        .where(
            Article.story_id.in_([s.id for s in stories]),
            Article.duplicate_of.is_(None),
            Article.stage_version.is_not(None),
        )
        .order_by(func.coalesce(Article.published_at, Article.fetched_at), Article.id)
    ).all()
    tags: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for article_id, field_name, entity in session.execute(
        select(Mention.article_id, Mention.field, Mention.entity).where(
            Mention.article_id.in_([a.id for a in members])
        )
    ):
        tags[article_id][field_name].add(entity)
    by_story: dict[int, list[StoryArticle]] = defaultdict(list)
    for article in members:
        found = tags[article.id]
        entities = found["title"] | found["text"]
        assert article.story_id is not None
        by_story[article.story_id].append(_story_article(article, entities, found["title"]))
    for story in stories:
        if by_story[story.id]:
            state.story_of_group[state.grouper.restore(by_story[story.id])] = story.id
