"""Stories: the articles, in any language, that report one real-world event.

What one story is
-----------------
A story is **one real-world event or announcement**: a filing, a measure, a launch, a
result, a deal, a denial. Every article whose news is that event belongs to it, in
German, English or Chinese, from any source, on the day and in the days after.

- A report and its denial are two stories (Cambricon's results; Cambricon calling
  rumours of orders false). So are a scoop and the company's later filing, a rumour and
  its confirmation, a measure and the other side's reply (Washington clears the H200;
  Beijing moves to ration it), and a regulator's summons and the company's answer.
- An article belongs to the event its headline and lead report. Background it mentions
  in passing (earlier curbs, a rival's chip) does not make it part of those stories.
- An analysis, weekly round-up or overview that names several events in passing joins
  none of them: it is a story of its own, which no later article joins.

How articles are grouped
------------------------
`StoryGrouper.add` takes articles in publication order and puts each into an open story
or opens a new one; it never translates. It compares a new article with the recent
stories that share an entity, figure or model number with it (an inverted index over
open stories, not the archive), on evidence that survives translation:

- registry **entities** (ids from the tagger), weighted by rarity, title entities again;
- **figures** normalised across languages, **model numbers**, **cited outlets**
  (`analysis.evidence`);
- **event types** of the headline and lead (`analysis.event_types`): agreeing leads
  count for the story, leads of different types (a denial against a report) against it;
- the **acting government** of the headline ("China bans …" against "US clears …");
- **time**: a story stays open `window` after its latest article (default 4 days) and at
  most `max_span` after its first; nearer in time scores a little higher.

The score of an article against a story is the mean of its best and its average pair
score with the story's latest articles; it joins the best story at or above
`threshold`. A **broad** piece (many entities and many event types, or a lead naming
several) opens a closed story.

`extra_similarity` is the slot for one more feature — a multilingual sentence-embedding
cosine, for instance — added to each pair score with weight `extra_weight`.
`analysis.embedding` offers one (the optional `embed` extra); measured, it did not improve
the labelled or held-out figures, so the analyse stage does not use it and the calibrated
weights do not assume one (docs/stories.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analysis.errors import AnalysisError
from analysis.evidence import Evidence, evidence


class StoryInputError(AnalysisError):
    """An article the grouper cannot take (no timezone, unknown language)."""


LANGUAGES = frozenset({"de", "en", "zh"})


@dataclass(frozen=True)
class StoryArticle:
    id: Hashable
    language: str
    title: str
    text: str
    published: datetime  # timezone-aware
    entities: frozenset[str] = frozenset()  # registry ids found in title or text
    title_entities: frozenset[str] = frozenset()  # registry ids found in the title
    # the organisations behind them (a product's maker; an org is its own): how broad
    # the article is; empty means "the entities are the organisations"
    orgs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoryConfig:
    threshold: float = 0.27  # the middle of the F1 plateau (0.22–0.32) on the labelled set
    window: timedelta = timedelta(days=4)
    max_span: timedelta = timedelta(days=7)
    members_compared: int = 8
    # what two articles share (weights of a sum that tops out near 1)
    w_entities: float = 0.45
    w_title_entities: float = 0.15
    w_figures: float = 0.25
    w_models: float = 0.10
    w_outlets: float = 0.10
    extra_weight: float = 0.0
    # how far their leads agree on the type of event: the shared evidence is scaled
    # by `unknown_events` when a lead has no cue, else from `conflict` (no type in
    # common) up to 1.0 (the same types)
    conflict: float = 0.3
    unknown_events: float = 0.7
    # two headlines whose subjects are different governments ("China bans …",
    # "US clears …") report a measure and a reply
    actor_conflict: float = 0.5
    # a broad piece: many organisations and many event types
    broad_orgs: int = 6
    broad_event_types: int = 4


@dataclass
class Profile:
    """One article's evidence, computed once."""

    article: StoryArticle
    evidence: Evidence
    broad: bool


@dataclass
class Story:
    id: int
    first: datetime
    last: datetime
    closed: bool = False  # a broad piece's story: nothing joins it
    members: list[Profile] = field(default_factory=list)

    @property
    def article_ids(self) -> list[Hashable]:
        return [p.article.id for p in self.members]


@dataclass(frozen=True)
class Assignment:
    article: Hashable
    story: int
    new: bool  # the article opened the story
    score: float  # its score against the story it joined (0.0 for a new story)
    broad: bool


PairFeature = Callable[[StoryArticle, StoryArticle], float]


def _weighted_dice(a: frozenset[str], b: frozenset[str], weight: Callable[[str], float]) -> float:
    if not a or not b:
        return 0.0
    shared = sum(weight(x) for x in a & b)
    return 2.0 * shared / (sum(weight(x) for x in a) + sum(weight(x) for x in b))


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


class StoryGrouper:
    """Incremental grouping; one instance holds the open stories and the statistics of
    the articles seen (how common each entity and model number is)."""

    def __init__(
        self,
        config: StoryConfig | None = None,
        extra_similarity: PairFeature | None = None,
    ) -> None:
        self.config = config or StoryConfig()
        self.extra_similarity = extra_similarity
        self.stories: dict[int, Story] = {}
        self._index: dict[str, set[int]] = defaultdict(set)
        self._df: dict[str, int] = defaultdict(int)
        self._seen = 0

    # --- evidence -------------------------------------------------------------------

    def profile(self, article: StoryArticle) -> Profile:
        if article.published.tzinfo is None:
            raise StoryInputError(
                f"article {article.id!r}: publication time {article.published} has no "
                "timezone; pass an aware datetime (UTC)"
            )
        if article.language not in LANGUAGES:
            raise StoryInputError(
                f"article {article.id!r}: language {article.language!r} is not one of "
                f"{', '.join(sorted(LANGUAGES))}"
            )
        ev = evidence(article.title, article.text, article.language)
        cfg = self.config
        orgs = article.orgs or article.entities
        # many organisations and event types, and a headline and lead that name no
        # event of their own: a round-up or an analysis
        broad = (
            len(orgs) >= cfg.broad_orgs
            and len(ev.events) >= cfg.broad_event_types
            and not ev.lead_events
        )
        return Profile(article, ev, broad)

    def _weight(self, key: str) -> float:
        # inverse document frequency, smoothed so that the first articles are not
        # judged on a handful of counts
        return math.log((self._seen + 10.0) / (self._df.get(key, 0) + 1.0))

    def pair_score(self, a: Profile, b: Profile, b_events: dict[str, float] | None = None) -> float:
        """What the two articles share, scaled by how far their leads agree on the
        type of event and (a little) by the time between them. `b_events` stands in
        for b's lead event types when b's own lead names none (its story's types)."""
        cfg = self.config
        ea, eb = a.evidence, b.evidence
        entity_weight = lambda x: self._weight("e:" + x)  # noqa: E731
        model_weight = lambda x: self._weight("m:" + x)  # noqa: E731
        shared = cfg.w_entities * _weighted_dice(
            a.article.entities, b.article.entities, entity_weight
        )
        shared += cfg.w_title_entities * _weighted_dice(
            a.article.title_entities, b.article.title_entities, entity_weight
        )
        shared += cfg.w_figures * (1.0 - 0.5 ** len(ea.figures & eb.figures))
        shared += cfg.w_models * _weighted_dice(ea.models, eb.models, model_weight)
        shared += cfg.w_outlets * (1.0 if ea.outlets & eb.outlets else 0.0)
        if self.extra_similarity is not None and cfg.extra_weight:
            shared += cfg.extra_weight * self.extra_similarity(a.article, b.article)
        b_lead = eb.lead_events or b_events or {}
        if ea.lead_events and b_lead:
            agree = _cosine(ea.lead_events, b_lead)
            events = cfg.conflict + (1.0 - cfg.conflict) * agree
        else:
            events = cfg.unknown_events
        if ea.actor and eb.actor and ea.actor != eb.actor:
            events *= cfg.actor_conflict
        hours = abs((a.article.published - b.article.published).total_seconds()) / 3600.0
        return shared * events * (0.85 + 0.15 * math.exp(-hours / 48.0))

    def story_score(self, profile: Profile, story: Story) -> float:
        members = story.members[-self.config.members_compared :]
        # A member whose lead names no event is read with the event its story reports
        # (what its other members' leads say): else any event would join through it.
        known: dict[str, float] = defaultdict(float)
        for member in story.members:
            for key, weight in member.evidence.lead_events.items():
                known[key] += weight
        scores = [self.pair_score(profile, m, known) for m in members]
        return 0.5 * max(scores) + 0.5 * sum(scores) / len(scores)

    # --- grouping -------------------------------------------------------------------

    def _keys(self, profile: Profile) -> set[str]:
        ev = profile.evidence
        return (
            {"e:" + e for e in profile.article.entities}
            | {"f:" + f for f in ev.figures}
            | {"m:" + m for m in ev.models}
        )

    def _is_open(self, story: Story, when: datetime) -> bool:
        cfg = self.config
        return (
            not story.closed
            and when - story.last <= cfg.window
            and when - story.first <= cfg.max_span
        )

    def candidates(self, profile: Profile) -> list[Story]:
        when = profile.article.published
        found: set[int] = set()
        for key in self._keys(profile):
            ids = self._index.get(key)
            if not ids:
                continue
            for sid in list(ids):
                story = self.stories[sid]
                if story.closed or when - story.first > self.config.max_span + self.config.window:
                    ids.discard(sid)  # closed for good: drop it from the index
                elif self._is_open(story, when):
                    found.add(sid)
        return [self.stories[sid] for sid in sorted(found)]

    def best_story(self, profile: Profile) -> tuple[Story | None, float]:
        best: Story | None = None
        best_score = -math.inf
        for story in self.candidates(profile):
            score = self.story_score(profile, story)
            if score > best_score:
                best, best_score = story, score
        return best, best_score

    def add(self, article: StoryArticle) -> Assignment:
        profile = self.profile(article)
        story, score = (None, 0.0) if profile.broad else self.best_story(profile)
        joined = story is not None and score >= self.config.threshold
        if story is None or not joined:
            story = Story(
                id=len(self.stories) + 1,
                first=article.published,
                last=article.published,
                closed=profile.broad,
            )
            self.stories[story.id] = story
            score = 0.0
        story.members.append(profile)
        story.last = max(story.last, article.published)
        self._learn(profile, story)
        return Assignment(article.id, story.id, not joined, score, profile.broad)

    def restore(self, articles: Sequence[StoryArticle]) -> int:
        """Reopen a story decided earlier (stored), with its articles earliest first, so
        that new articles can join it; nothing is scored. Its id in this grouper."""
        if not articles:
            raise StoryInputError("a story to restore needs at least one article")
        profiles = [self.profile(a) for a in articles]
        story = Story(
            id=len(self.stories) + 1,
            first=min(a.published for a in articles),
            last=max(a.published for a in articles),
            # a broad piece opened a story of its own that nothing joined
            closed=len(profiles) == 1 and profiles[0].broad,
        )
        self.stories[story.id] = story
        for profile in profiles:
            story.members.append(profile)
            self._learn(profile, story)
        return story.id

    def _learn(self, profile: Profile, story: Story) -> None:
        keys = self._keys(profile)
        self._seen += 1
        for key in keys:
            self._df[key] += 1
            if not story.closed:
                self._index[key].add(story.id)

    def add_all(self, articles: Iterable[StoryArticle]) -> list[Assignment]:
        return [self.add(a) for a in articles]
