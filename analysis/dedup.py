"""The same article twice: exact copies and near copies, found through an index.

Two kinds of duplicate, checked in this order:

- **exact**: the same normalised text (the analyzer's fold: case, accents, umlauts,
  punctuation and whitespace do not count), on any source. One 16-byte BLAKE2b digest
  per article, looked up in a dict.
- **near**: a wire story re-posted with a new headline, a byline or "(dpa-AFX)" added, a
  paragraph cut or a sentence reworded. Each text becomes the set of its word shingles
  (`SHINGLE` consecutive folded tokens; in Chinese, where every character is a token,
  character shingles), summarised by a MinHash of `NUM_PERM` permutations. A MinHash LSH
  index (datasketch) returns the candidates whose estimated Jaccard similarity may reach
  `LSH_THRESHOLD`, so a new article is compared with a handful of candidates, never with
  the archive. A candidate is a near copy when the shorter text is mostly contained in
  the longer (estimated containment ≥ `NEAR_CONTAINMENT`, which a cut paragraph keeps
  high) and the two sets overlap enough on their own (Jaccard ≥ `NEAR_JACCARD`, so a
  short brief quoted inside a long feature does not count).

Different articles on the same event share names and figures but hardly any run of
`SHINGLE` words: their estimated Jaccard stays near zero. The thresholds were chosen on
the near-copy set in `bench/storyset.py` (transformed copies against same-event articles
written independently) and `tests/test_dedup.py` holds them.

Signatures are small bytes (`Signature.to_bytes`, 16 + 4 + 4·NUM_PERM + 14 bytes) so the
storage layer can persist them and rebuild the index for a recent window at start with
`DuplicateIndex.add_signature`. A different `SIGNATURE_VERSION` means the shingling or
hashing changed: stored signatures must then be recomputed from the texts.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from analysis.analyzer import fold
from analysis.errors import AnalysisError

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# datasketch is imported where it is used: it pulls in SciPy (a second or more at start),
# which commands that never compare texts (`chipwatch crawl`) need not pay for.

SIGNATURE_VERSION = 1
SHINGLE = 4
NUM_PERM = 128
SEED = 1
LSH_THRESHOLD = 0.3
NEAR_CONTAINMENT = 0.7
NEAR_JACCARD = 0.35
# Below this many shingles a text is a caption or a teaser: exact copies only.
MIN_SHINGLES = 8

_HEADER = struct.Struct("<BI16s")  # version, shingle count, content digest
_SCHEME = "affine32"

DuplicateKind = Literal["exact", "near"]


class SignatureError(AnalysisError):
    """Stored signature bytes that this code cannot read."""


@dataclass(frozen=True)
class Duplicate:
    """`id` is the earlier article this one copies; `similarity` is 1.0 for an exact
    copy, else the estimated containment of the shorter text in the longer."""

    kind: DuplicateKind
    id: Hashable
    similarity: float


@dataclass(frozen=True)
class Signature:
    digest: bytes  # BLAKE2b-128 of the folded text
    shingles: int  # distinct shingles in the text
    minhash: LeanMinHash | None  # None for texts under MIN_SHINGLES

    def to_bytes(self) -> bytes:
        head = _HEADER.pack(SIGNATURE_VERSION, self.shingles, self.digest)
        if self.minhash is None:
            return head
        buf = bytearray(self.minhash.bytesize(byteorder="<"))
        self.minhash.serialize(buf, byteorder="<")
        return head + bytes(buf)

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        if len(data) < _HEADER.size:
            raise SignatureError(
                f"duplicate signature: {len(data)} bytes, too short to be one; "
                "recompute it from the article text"
            )
        version, shingles, digest = _HEADER.unpack_from(data)
        if version != SIGNATURE_VERSION:
            raise SignatureError(
                f"duplicate signature: version {version}, this code writes "
                f"{SIGNATURE_VERSION}; recompute it from the article text"
            )
        rest = data[_HEADER.size :]
        if not rest:
            return cls(digest, shingles, None)
        from datasketch import LeanMinHash

        try:
            minhash = LeanMinHash.deserialize(rest, byteorder="<")
        except (ValueError, struct.error) as exc:
            raise SignatureError(f"duplicate signature: unreadable MinHash ({exc})") from exc
        if minhash.scheme != _SCHEME or len(minhash) != NUM_PERM or minhash.seed != SEED:
            raise SignatureError(
                "duplicate signature: MinHash of another shape; recompute it from the text"
            )
        return cls(digest, shingles, minhash)


def shingles(text: str) -> set[bytes]:
    tokens = fold(text).split()
    if len(tokens) < SHINGLE:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + SHINGLE]).encode() for i in range(len(tokens) - SHINGLE + 1)}


def signature(text: str) -> Signature:
    folded = fold(text)
    digest = hashlib.blake2b(folded.encode(), digest_size=16).digest()
    grams = shingles(text)
    if len(grams) < MIN_SHINGLES:
        return Signature(digest, len(grams), None)
    from datasketch import LeanMinHash, MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME)
    minhash.update_batch(grams)
    return Signature(digest, len(grams), LeanMinHash(minhash))


def containment(a: Signature, b: Signature, jaccard: float) -> float:
    """The estimated share of the smaller shingle set inside the larger: from
    |A∩B| = J·(|A|+|B|)/(1+J), divided by min(|A|, |B|)."""
    smaller = min(a.shingles, b.shingles)
    if smaller == 0:
        return 0.0
    overlap = jaccard * (a.shingles + b.shingles) / (1.0 + jaccard)
    return min(1.0, overlap / smaller)


class DuplicateIndex:
    """Articles seen so far, by exact digest and in a MinHash LSH index.

    `find` answers for a new text; `add` records one. Keys are the caller's article ids
    (any hashable). `remove` drops an article that left the window."""

    def __init__(self) -> None:
        self._exact: dict[bytes, Hashable] = {}
        self._signatures: dict[Hashable, Signature] = {}
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._signatures

    def add(self, key: Hashable, text: str) -> Signature:
        sig = signature(text)
        self.add_signature(key, sig)
        return sig

    def add_signature(self, key: Hashable, sig: Signature) -> None:
        if key in self._signatures:
            self.remove(key)
        self._signatures[key] = sig
        self._exact.setdefault(sig.digest, key)  # the first copy stays the original
        if sig.minhash is not None:
            self._lsh.insert(key, sig.minhash)

    def remove(self, key: Hashable) -> None:
        sig = self._signatures.pop(key, None)
        if sig is None:
            return
        if self._exact.get(sig.digest) == key:
            del self._exact[sig.digest]
            # another article with the same text may remain: it becomes the original
            for other, other_sig in self._signatures.items():
                if other_sig.digest == sig.digest:
                    self._exact[sig.digest] = other
                    break
        if sig.minhash is not None:
            self._lsh.remove(key)

    def find(self, text: str) -> Duplicate | None:
        return self.find_signature(signature(text))

    def find_signature(self, sig: Signature) -> Duplicate | None:
        exact = self._exact.get(sig.digest)
        if exact is not None:
            return Duplicate("exact", exact, 1.0)
        if sig.minhash is None:
            return None
        best: Duplicate | None = None
        for key in self._lsh.query(sig.minhash):
            other = self._signatures[key]
            assert other.minhash is not None  # only signatures with a MinHash are in the LSH
            jaccard = sig.minhash.jaccard(other.minhash)
            share = containment(sig, other, jaccard)
            if jaccard < NEAR_JACCARD or share < NEAR_CONTAINMENT:
                continue
            if best is None or share > best.similarity:
                best = Duplicate("near", key, share)
        return best
