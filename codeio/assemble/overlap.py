"""Duplicate and contamination checks on task text: exact keys, MinHash near duplicates, n-gram overlap.

- Exact duplicates: the prompt after collapsing whitespace (case kept: code is case sensitive).
- Near duplicates: MinHash signatures of the set of word ``n``-grams of a prompt; candidate pairs come
  from LSH bands and are confirmed when the share of equal signature values (an unbiased estimate of the
  Jaccard similarity of the two n-gram sets) reaches the threshold.
- Contamination: lower-cased word-token ``n``-grams (13 in the paper) of a sample shared with any item of
  a benchmark; reported per benchmark both as flagged samples and as benchmark items touched.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_WORD = re.compile(r"\w+")
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _WS.sub(" ", text).strip()


def exact_key(text: str) -> str:
    return hashlib.blake2b(normalize(text).encode("utf-8"), digest_size=16).hexdigest()


def words(text: str, lower: bool = False) -> list[str]:
    return _WORD.findall(text.lower() if lower else text)


_WORD_CACHE: dict[str, int] = {}
_MULT = np.uint64(0x100000001B3)  # FNV-style multiplier for the rolling n-gram combination


def _word_hash(word: str) -> int:
    value = _WORD_CACHE.get(word)
    if value is None:
        if len(_WORD_CACHE) > 2_000_000:  # bound the memory on huge vocabularies (numbers, identifiers)
            _WORD_CACHE.clear()
        value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
        _WORD_CACHE[word] = value
    return value


def gram_hashes(tokens: Sequence[str], n: int) -> np.ndarray:
    """64-bit hashes of the word n-grams of ``tokens`` (one hash of the whole text when it is shorter):
    per-word hashes combined by a wrapping polynomial, then mixed with splitmix64."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    h = np.fromiter((_word_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    n = min(n, len(tokens))
    m = len(tokens) - n + 1
    acc = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            acc = acc * _MULT + h[j:j + m]
    return _splitmix64(acc)


class MinHasher:
    """MinHash with ``perm`` hash functions: n-gram hash x -> splitmix64(x xor seed_i), a strong 64-bit
    mixer (numpy's uint64 arithmetic wraps, as the mixer expects). The minimum per function over the
    n-grams of a text gives its signature."""

    def __init__(self, perm: int, ngram: int, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.seeds = rng.integers(0, np.iinfo(np.uint64).max, size=perm, dtype=np.uint64, endpoint=True)
        self.ngram = ngram

    def signature(self, text: str) -> np.ndarray:
        x = np.unique(gram_hashes(words(text), self.ngram))
        if not len(x):
            return np.full(len(self.seeds), np.iinfo(np.uint64).max, dtype=np.uint64)
        return _splitmix64(x[:, None] ^ self.seeds[None, :]).min(axis=0)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def lsh_bands(perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows) with bands * rows = perm whose S-curve midpoint (1/b)^(1/r) is the highest one not
    above ``threshold`` (favours recall: candidates are confirmed on the signatures afterwards)."""
    best = (perm, 1)
    best_mid = -1.0
    for rows in range(1, perm + 1):
        if perm % rows:
            continue
        bands = perm // rows
        mid = (1.0 / bands) ** (1.0 / rows)
        if mid <= threshold and mid > best_mid:
            best, best_mid = (bands, rows), mid
    return best


class NearDuplicateIndex:
    """Incremental near-duplicate finder: ``check(text, group)`` returns the index of an earlier kept
    text it nearly duplicates (ignoring texts of the same ``group`` unless ``within_group``), else adds
    it and returns None.

    Memory per kept text: its signature (8 bytes per permutation, in one growing array) and one int key
    per LSH band; a bucket keeps one entry per group, so many same-group texts do not pile up."""

    def __init__(self, threshold: float, ngram: int = 5, perm: int = 64, within_group: bool = False):
        self.hasher = MinHasher(perm, ngram)
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(perm, threshold)
        self.within_group = within_group
        # band key -> index (one entry) or list of indices (several groups)
        self.buckets: list[dict[int, int | list[int]]] = [{} for _ in range(self.bands)]
        self.signatures = np.empty((1024, perm), dtype=np.uint64)
        self.groups: list[str] = []

    def __len__(self) -> int:
        return len(self.groups)

    def _band_keys(self, sig: np.ndarray) -> list[int]:
        acc = np.zeros(self.bands, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for column in sig.reshape(self.bands, self.rows).T:
                acc = acc * _MULT + column
        return acc.tolist()

    def check(self, text: str, group: str = "") -> int | None:
        sig = self.hasher.signature(text)
        keys = self._band_keys(sig)
        seen: set[int] = set()
        for band, key in zip(self.buckets, keys, strict=True):
            entry = band.get(key)
            for index in (() if entry is None else (entry,) if isinstance(entry, int) else entry):
                if index in seen or (self.groups[index] == group and not self.within_group):
                    continue
                seen.add(index)
                if float(np.mean(self.signatures[index] == sig)) >= self.threshold:
                    return index
        index = len(self.groups)
        if index == len(self.signatures):
            self.signatures = np.concatenate([self.signatures, np.empty_like(self.signatures)])
        self.signatures[index] = sig
        self.groups.append(group)
        for band, key in zip(self.buckets, keys, strict=True):
            entry = band.get(key)
            if entry is None:
                band[key] = index
            else:
                entries = [entry] if isinstance(entry, int) else entry
                if self.within_group or all(self.groups[i] != group for i in entries):  # else one per group
                    band[key] = [*entries, index]
        return None


# -- decontamination ---------------------------------------------------------------------------------

def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def read_benchmark(path: str | Path) -> list[Any]:
    """Items of a benchmark file: JSONL (optionally .gz), a JSON array / object of arrays, or a
    ``datasets`` directory. Unreadable lines are skipped."""
    path = Path(path)
    if path.is_dir():
        import datasets

        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            return [row for split in ds.values() for row in split]
        return list(ds)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        return list(json.loads(text))
    if stripped.startswith("{") and "\n{" not in stripped:
        whole = json.loads(text)
        if isinstance(whole, dict) and whole and all(isinstance(v, list) for v in whole.values()):
            return [v for v in whole.values()]  # e.g. {"sample_0": [generations]}: one item per key
        return [whole]
    items = []
    for line in text.splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            continue
    return items


class BenchmarkIndex:
    """The n-gram hashes of one benchmark (sorted array for fast membership) and which items hold each."""

    def __init__(self, name: str, items: Iterable[Any], n: int = 13):
        self.name, self.n = name, n
        holders: dict[int, list[int]] = {}
        self.size = 0
        for index, item in enumerate(items):
            self.size += 1
            for text in _strings(item):
                tokens = words(text, lower=True)
                if len(tokens) < n:
                    continue  # too short to hold an n-gram: cannot be matched by n-gram overlap
                for gram in np.unique(gram_hashes(tokens, n)).tolist():
                    items_of = holders.setdefault(gram, [])
                    if not items_of or items_of[-1] != index:
                        items_of.append(index)
        self.holders = holders
        self.sorted = np.array(sorted(holders), dtype=np.uint64)

    def hits(self, text: str) -> set[int]:
        """Benchmark items sharing at least one n-gram with ``text``."""
        tokens = words(text, lower=True)
        if len(tokens) < self.n or not len(self.sorted):
            return set()
        grams = gram_hashes(tokens, self.n)
        pos = np.minimum(np.searchsorted(self.sorted, grams), len(self.sorted) - 1)
        found: set[int] = set()
        for gram in grams[self.sorted[pos] == grams].tolist():
            found.update(self.holders[gram])
        return found
