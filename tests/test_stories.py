"""Stories: one real-world event, grouped across languages; the floors on the labelled
set (tests/fixtures/stories.jsonl), the threshold plateau and the seed articles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from analysis.event_types import event_cues
from analysis.evidence import actor, figures, lead_event_types, model_numbers, outlets
from analysis.stories import StoryArticle, StoryConfig, StoryGrouper, StoryInputError
from bench.stories import curve, plateau
from bench.storyset import (
    FIXTURE,
    HOLDOUT,
    StoryMetrics,
    entity_extractor,
    evaluate,
    group,
    load,
    run,
    seed_articles,
    to_articles,
)


@pytest.fixture(scope="module")
def labelled() -> tuple[list, list[StoryArticle]]:
    rows = load()
    return rows, to_articles(rows, entity_extractor()[1])


@pytest.fixture(scope="module")
def metrics(labelled: tuple[list, list[StoryArticle]]) -> StoryMetrics:
    rows, articles = labelled
    cfg = StoryConfig()
    return evaluate(rows, articles, group(articles, cfg), cfg.window)


def test_the_labelled_set_is_big_and_hard_enough(
    labelled: tuple[list, list[StoryArticle]], metrics: StoryMetrics
) -> None:
    rows, _ = labelled
    assert len(rows) >= 80
    assert len({r.event for r in rows if not r.event.startswith("overview-")}) >= 25
    assert {r.language for r in rows} == {"de", "en", "zh"}
    for r in rows:
        words = len(r.text.split()) if r.language != "zh" else len(r.text) / 1.7
        assert 60 <= words <= 200, r.id
    assert metrics.near_miss_pairs >= 0.25 * metrics.pairs


def test_grouping_floors_on_the_labelled_set(metrics: StoryMetrics) -> None:
    assert metrics.precision >= 0.85
    assert metrics.recall >= 0.85
    assert metrics.f1 >= 0.85
    assert metrics.cross_language_recall >= 0.85
    assert metrics.near_miss_false_merge_rate <= 0.08


def test_floors_hold_with_the_held_out_events_mixed_in() -> None:
    held, _ = run(StoryConfig(), (FIXTURE, HOLDOUT))
    assert held.f1 >= 0.85
    assert held.cross_language_recall >= 0.85
    assert held.near_miss_false_merge_rate <= 0.08


def test_the_threshold_sits_on_a_plateau(labelled: tuple[list, list[StoryArticle]]) -> None:
    rows, articles = labelled
    points = curve(rows, articles, StoryConfig())
    on_plateau, low = plateau(points, StoryConfig().threshold)
    assert on_plateau
    assert low >= 0.85


def test_the_plateau_check_fails_on_a_cliff(labelled: tuple[list, list[StoryArticle]]) -> None:
    rows, articles = labelled
    # at 0.40 recall falls off within a few hundredths
    points = curve(rows, articles, replace(StoryConfig(), threshold=0.40))
    assert plateau(points, 0.40)[0] is False


def test_the_floors_fail_without_event_types(labelled: tuple[list, list[StoryArticle]]) -> None:
    # the gate can fail: leads that never disagree merge reports with their denials
    rows, articles = labelled
    cfg = replace(StoryConfig(), conflict=1.0, actor_conflict=1.0)
    worse = evaluate(rows, articles, group(articles, cfg), cfg.window)
    assert worse.near_miss_false_merge_rate > 0.08


def test_seed_articles_000_and_004_are_one_story_the_others_apart() -> None:
    articles = seed_articles()
    if articles is None:
        pytest.skip("../shared/seeds is not here: the seed check needs the five seed files")
    story = {str(a.article): a.story for a in StoryGrouper().add_all(articles)}
    assert story["000"] == story["004"]
    assert len({story[k] for k in ("000", "001", "002", "003")}) == 4
    # the same holds when all five arrive on the same day: 002 is an overview, 001 and 003
    # other events
    same_day = [replace(a, published=datetime(2025, 8, 29, 9, 0, tzinfo=UTC)) for a in articles]
    story = {str(a.article): a.story for a in StoryGrouper().add_all(same_day)}
    assert story["000"] == story["004"]
    assert len({story[k] for k in ("000", "001", "002", "003")}) == 4


def _article(key: str, title: str, text: str, when: datetime, *ents: str) -> StoryArticle:
    return StoryArticle(key, "en", title, text, when, frozenset(ents), frozenset(ents[:1]))


T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REPORT = (
    "Cambricon reported quarterly revenue of 3.1 billion yuan, up 180% from a year "
    "earlier, and a net profit of 900 million yuan, as Chinese internet companies kept "
    "buying domestic accelerators for their data centres."
)


def test_a_report_and_its_denial_are_two_stories() -> None:
    grouper = StoryGrouper()
    first = grouper.add(_article("r", "Cambricon revenue jumps 180%", REPORT, T0, "cambricon"))
    again = grouper.add(
        _article(
            "r2",
            "Cambricon-Umsatz steigt um 180 Prozent",
            "Cambricon steigerte den Quartalsumsatz um 180 Prozent auf 3,1 Milliarden Yuan; "
            "der Nettogewinn lag bei 900 Millionen Yuan.",
            T0 + timedelta(hours=3),
            "cambricon",
        )
    )
    denial = grouper.add(
        _article(
            "d",
            "Cambricon denies report of new orders",
            "Cambricon said reports of large new orders from an internet group were false "
            "and urged investors to rely on its filings.",
            T0 + timedelta(hours=20),
            "cambricon",
        )
    )
    assert again.story == first.story
    assert denial.story != first.story


def test_articles_outside_the_window_open_a_new_story() -> None:
    grouper = StoryGrouper()
    a = grouper.add(_article("a", "Cambricon revenue jumps", REPORT, T0, "cambricon"))
    b = grouper.add(_article("b", "Cambricon revenue jumps", REPORT, T0 + timedelta(days=9)))
    assert a.story != b.story


def test_a_naive_datetime_is_an_error_naming_the_article() -> None:
    with pytest.raises(StoryInputError, match="article 'x'.*no timezone"):
        StoryGrouper().add(StoryArticle("x", "en", "t", "text", datetime(2026, 1, 1)))


def test_an_extra_similarity_feature_plugs_into_the_pair_score() -> None:
    calls: list[tuple[str, str]] = []

    def feature(a: StoryArticle, b: StoryArticle) -> float:
        calls.append((str(a.id), str(b.id)))
        return 1.0

    grouper = StoryGrouper(replace(StoryConfig(), extra_weight=0.5), extra_similarity=feature)
    grouper.add(_article("a", "Cambricon revenue jumps", REPORT, T0, "cambricon"))
    joined = grouper.add(_article("b", "Cambricon", "x " * 20, T0, "cambricon"))
    assert calls == [("b", "a")]
    assert not joined.new


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("a charge of $5.5 billion", "en", {"usd:5.5e+09"}),
        ("Belastungen von 5,5 Milliarden Dollar", "de", {"usd:5.5e+09"}),
        ("计提约55亿美元", "zh", {"usd:5.5e+09"}),
        ("Umsatz von 2,881 Milliarden Yuan", "de", {"cny:2.88e+09"}),
        ("营业收入28.81亿元", "zh", {"cny:2.88e+09"}),
        ("up 15% on the year", "en", {"pct:15"}),
        ("um 15 Prozent", "de", {"pct:15"}),
        ("30.000 Chips", "de", {"n:3e+04"}),
        ("30,000 processors", "en", {"n:3e+04"}),
        ("im Jahr 2025 und am 29. August", "de", set()),
        ("HK$19.60 per share", "en", {"hkd:19.6"}),
    ],
)
def test_figures_are_normalised_across_languages(
    text: str, language: str, expected: set[str]
) -> None:
    assert figures(text, language) == expected


def test_model_numbers_outlets_and_actors() -> None:
    assert model_numbers("Nvidia's H20, Huawei 910C and the Q2 figures in 2025") == {
        "H20",
        "910C",
    }
    assert outlets("laut Wall Street Journal und 路透社; ft = feet") == {"wsj", "reuters"}
    assert actor("China bans gallium exports to US") == "cn"
    assert actor("H200 für China: Washington kassiert ein Viertel") == "us"
    assert actor("Nvidia says US will allow H20 sales") is None
    assert actor("China Unicom setzt T-Head-Chips ein") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Cambricon dementiert Gerüchte", "deny"),
        ("Nvidia weist den Vorwurf entschieden zurück", "deny"),
        ("英伟达否认芯片存在后门", "deny"),
        ("Moore Threads Börsengang", "listing"),
        ("国家网信办约谈英伟达", "summon"),
        ("US rescinds AI diffusion rule", "rescind"),
    ],
)
def test_event_cues_in_three_languages(text: str, kind: str) -> None:
    assert kind in event_cues(text)


def test_a_restored_story_takes_new_articles_as_if_never_interrupted() -> None:
    """A run from cron rebuilds the open stories from storage: an article must join a
    restored story as it joins the same story grouped in one run."""
    _, extract = entity_extractor()
    by_event: dict[str, list[StoryArticle]] = {}
    rows = load()
    for row, article in zip(rows, to_articles(rows, extract), strict=True):
        by_event.setdefault(row.event, []).append(article)
    checked = 0
    for members in by_event.values():
        if len(members) < 3:
            continue
        in_one_run = StoryGrouper().add_all(members)
        if len({a.story for a in in_one_run}) != 1:
            continue  # the grouper splits this event anyway: not what is tested here
        grouper = StoryGrouper()
        story = grouper.restore(members[:-1])
        assignment = grouper.add(members[-1])
        assert (assignment.story, assignment.new) == (story, False)
        checked += 1
    assert checked >= 5


def test_a_title_cut_from_the_first_sentence_leaves_the_lead_to_the_next() -> None:
    """Pages without a headline of their own get their first sentence, cut, as title;
    the event then stands in the sentence after it."""
    text = (
        "Chipwire - Am Montag legten die Aktien von Cambricon im frühen Handel deutlich zu. "
        "Zuvor hatte das Unternehmen einen neuen KI-Beschleuniger vorgestellt."
    )
    title = "Am Montag legten die Aktien von Cambricon im frühen…"
    assert lead_event_types(title, text) == lead_event_types("", text.split(". ", 1)[1])
    assert lead_event_types(title, text)


def test_a_member_without_a_lead_event_does_not_let_another_event_in() -> None:
    """Its story's event stands in for it: a summons must not join the story of an
    export approval through an earlier article whose lead names no event."""
    when = datetime(2026, 11, 2, 7, tzinfo=UTC)

    def article(key: str, title: str, text: str, minutes: int) -> StoryArticle:
        entities = frozenset({"nvidia", "nvidia-h20"})
        return StoryArticle(key, "de", title, text, when + timedelta(minutes=minutes), entities)

    grouper = StoryGrouper()
    first = grouper.add(
        article("a", "Nvidia H20 und China", "Nvidia darf den H20 wieder nach China liefern.", 0)
    )
    second = grouper.add(
        article(
            "b",
            "H20 für China",
            "Das US-Handelsministerium hat die Ausfuhr von Nvidias H20 nach China genehmigt.",
            5,
        )
    )
    summons = grouper.add(
        article(
            "c",
            "Nvidia H20",
            "Die chinesische Internetaufsicht hat Vertreter von Nvidia wegen des H20 vorgeladen.",
            10,
        )
    )
    assert second.story == first.story
    assert summons.new
