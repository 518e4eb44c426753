"""Tokenized sample store, packing plan, collation and a resumable data loader.

- ``TokenStore``: all samples of a stage as memory-mapped arrays (token ids, a trained-token flag,
  offsets), written once (streaming, optionally on several processes) by ``ChatDataModule.prepare_data``
  and shared by every rank.
- ``plan_rows``: which samples share a row. Padding = one sample per row; packing = first-fit over a
  seeded shuffle with a small window of open rows, so rows fill up without sorting the data by length.
- ``grouped_order``: length grouping for padded batches (``trainer.batching=grouped``): the epoch's random
  order, sorted by length inside large windows and cut into global micro-batches whose order is shuffled.
- ``collate_rows``: builds a micro-batch. Labels are shifted inside each sample (the last token of a
  sample predicts nothing), position ids restart at 0 per sample and ``seq_ids`` name the sample of every
  token (-1 = padding, always at the right end of a row); the model turns these into varlen boundaries
  or a block-diagonal mask.
- ``ResumableLoader``: deterministic order per (seed, epoch), sharded over ranks, and a ``state_dict``
  (epoch, batches already consumed) that Lightning stores in checkpoints, so a resumed run sees exactly
  the batches the uninterrupted run would have seen.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from codeio.train.chat import IGNORE_INDEX, ChatTokenizer, TokenizeStats, read_chat_rows


class TokenStore:
    """Samples as flat memory-mapped arrays: ``ids`` (int32), ``trained`` (0/1 per token) and ``offsets``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.ids = self._map("ids.bin", np.int32)
        self.trained = self._map("trained.bin", np.uint8)
        self.offsets = np.load(self.directory / "offsets.npy")
        self.stats = json.loads((self.directory / "stats.json").read_text())

    def _map(self, name: str, dtype) -> np.ndarray:
        path = self.directory / name
        if path.stat().st_size == 0:  # np.memmap refuses empty files
            return np.zeros(0, dtype=dtype)
        return np.memmap(path, dtype=dtype, mode="r")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def sample(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.offsets[index], self.offsets[index + 1]
        return np.asarray(self.ids[start:end]), np.asarray(self.trained[start:end])

    @staticmethod
    def write(directory: Path, chat: ChatTokenizer, source: str | Path, workers: int = 1) -> TokenStore:
        """Tokenize ``source`` into ``directory``, streaming (memory stays O(samples), not O(tokens)).

        Atomic: built in a sibling directory, then renamed; an existing store is reused.
        """
        if (directory / "stats.json").is_file():
            return TokenStore(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tokenizing-", dir=directory.parent))
        stats = TokenizeStats()
        lengths: list[int] = []
        with (staging / "ids.bin").open("wb") as ids_file, (staging / "trained.bin").open("wb") as trained_file:
            for result in chat.iter_encoded(read_chat_rows(source), workers=workers):
                sample = stats.add(result)
                if sample is None:
                    continue
                ids_file.write(np.asarray(sample.input_ids, dtype=np.int32).tobytes())
                trained = np.asarray(sample.labels) != IGNORE_INDEX
                trained_file.write(trained.astype(np.uint8).tobytes())
                lengths.append(len(sample.input_ids))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
        np.save(staging / "offsets.npy", offsets)
        (staging / "stats.json").write_text(json.dumps(stats.to_dict(), indent=2))
        try:
            staging.rename(directory)
        except OSError:  # built concurrently by another node: keep the first one
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
        return TokenStore(directory)


def store_key(source: str | Path, tokenizer, max_length: int, label_turns: str, truncation: str = "right") -> str:
    path = Path(source)
    stat = path.stat()
    if path.is_dir():  # a datasets directory: its files' sizes and times
        parts = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file())
    else:
        parts = [stat.st_size, stat.st_mtime_ns]
    fingerprint = [
        str(path.resolve()), parts, getattr(tokenizer, "name_or_path", ""), len(tokenizer),
        tokenizer.chat_template, max_length, label_turns,
    ]
    if truncation != "right":  # only then: stores tokenized before this setting existed keep their key
        fingerprint.append(truncation)
    return hashlib.sha256(json.dumps(fingerprint, default=str).encode()).hexdigest()[:16]


def plan_rows(lengths: np.ndarray, max_length: int, packing: bool, seed: int, window: int = 32) -> list[list[int]]:
    """Group sample indices into rows of at most ``max_length`` tokens (one sample per row without packing)."""
    order = np.random.default_rng(seed).permutation(len(lengths))
    if not packing:
        return [[int(i)] for i in order]
    rows: list[list[int]] = []
    room: list[int] = []  # free tokens of the open rows, parallel to open_rows
    open_rows: list[int] = []  # indices into rows
    for index in order:
        length = int(lengths[index])
        for slot, free in enumerate(room):
            if length <= free:
                rows[open_rows[slot]].append(int(index))
                room[slot] -= length
                if room[slot] == 0:
                    del room[slot], open_rows[slot]
                break
        else:
            rows.append([int(index)])
            if max_length - length > 0:
                open_rows.append(len(rows) - 1)
                room.append(max_length - length)
                if len(open_rows) > window:  # the fullest-looking oldest row closes
                    del room[0], open_rows[0]
    return rows


GROUP_WINDOW_STEPS = 64
"""Length grouping sorts windows of this many global micro-batches (Hugging Face's ``group_by_length``
sorts windows of 50 batches): wide enough that neighbours in a window have close lengths, narrow enough
that every part of the data set still reaches every part of the epoch."""


def grouped_order(order: np.ndarray, row_lengths: np.ndarray, per_step: int, rng: np.random.Generator,
                  window_steps: int = GROUP_WINDOW_STEPS) -> np.ndarray:
    """``order`` (a random permutation of rows) rearranged so that every run of ``per_step`` rows has
    similar lengths, as many runs as fit; the rows left over stay at the end, in their random order.

    The kept rows are cut into windows of ``window_steps * per_step`` rows, each window is sorted by length
    (longest first) and cut into runs of ``per_step`` rows, and the runs of all windows are shuffled
    together, so the order of lengths over the epoch is random. The run holding the longest row goes first,
    so a micro-batch that does not fit in memory fails at the first step, not hours later.
    """
    steps = len(order) // per_step
    kept, left_over = order[: steps * per_step], order[steps * per_step :]
    if steps == 0:
        return order
    window = window_steps * per_step
    runs = []
    for start in range(0, len(kept), window):
        chunk = kept[start : start + window]
        chunk = chunk[np.argsort(-row_lengths[chunk], kind="stable")]
        runs.extend(chunk[i : i + per_step] for i in range(0, len(chunk), per_step))
    runs = [runs[i] for i in rng.permutation(len(runs))]
    longest = max(range(len(runs)), key=lambda i: int(row_lengths[runs[i]].max()))
    runs[0], runs[longest] = runs[longest], runs[0]
    return np.concatenate([*runs, left_over])


PAD_TO_MULTIPLE = 8
"""Micro-batches are padded to a multiple of this many tokens (friendlier shapes for the kernels)."""


def collate_rows(store: TokenStore, rows: list[list[int]], pad_id: int,
                 pad_to_multiple: int = PAD_TO_MULTIPLE) -> dict[str, torch.Tensor]:
    """A micro-batch of rows: ``input_ids``, shifted ``labels``, ``position_ids``, ``seq_ids``, ``attention_mask``."""
    width = max(sum(len(store.sample(i)[0]) for i in row) for row in rows)
    width = -(-width // pad_to_multiple) * pad_to_multiple
    shape = (len(rows), width)
    input_ids = torch.full(shape, pad_id, dtype=torch.long)
    labels = torch.full(shape, IGNORE_INDEX, dtype=torch.long)
    position_ids = torch.zeros(shape, dtype=torch.long)
    seq_ids = torch.full(shape, -1, dtype=torch.long)
    for r, row in enumerate(rows):
        cursor = 0
        for k, index in enumerate(row):
            ids, trained = store.sample(index)
            n = len(ids)
            ids_t = torch.from_numpy(ids.astype(np.int64))
            input_ids[r, cursor : cursor + n] = ids_t
            # target of position j is token j+1 of the same sample, if that token is trained
            target = torch.where(torch.from_numpy(trained[1:].astype(bool)), ids_t[1:], IGNORE_INDEX)
            labels[r, cursor : cursor + n - 1] = target
            position_ids[r, cursor : cursor + n] = torch.arange(n)
            seq_ids[r, cursor : cursor + n] = k
            cursor += n
    return {
        "input_ids": input_ids,
        "labels": labels,
        "position_ids": position_ids,
        "seq_ids": seq_ids,
        "attention_mask": (seq_ids >= 0).long(),
    }


class _BatchDataset(torch.utils.data.Dataset):
    def __init__(self, store_dir: Path, batches: list[list[list[int]]], pad_id: int) -> None:
        self.store_dir = store_dir
        self.batches = batches
        self.pad_id = pad_id
        self._store: TokenStore | None = None

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        if self._store is None:  # opened lazily so worker processes map the files themselves
            self._store = TokenStore(self.store_dir)
        return collate_rows(self._store, self.batches[k], self.pad_id)


class ResumableLoader:
    """Iterable of micro-batches for one rank; Lightning saves and restores its ``state_dict``."""

    def __init__(self, store: TokenStore, rows: list[list[int]], micro_batch_size: int, pad_id: int,
                 seed: int, rank: int = 0, world_size: int = 1, num_workers: int = 0,
                 group_by_length: bool = False) -> None:
        self.store = store
        self.rows = rows
        self.group_by_length = group_by_length
        """Micro-batches of rows of similar length (``grouped_order``) instead of random neighbours."""
        lengths = store.lengths()
        self.row_lengths = np.asarray([int(lengths[row].sum()) for row in rows], dtype=np.int64)
        self.micro_batch_size = micro_batch_size
        self.pad_id = pad_id
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.num_workers = num_workers
        per_step = micro_batch_size * world_size
        self.dropped_rows = len(rows) % per_step
        """Rows left over at the end of each epoch (fewer than one micro-batch per rank), not trained on."""
        self._num_batches = len(rows) // per_step
        self.epoch = 0
        self.batches_done = 0
        self._skip = 0

    def __len__(self) -> int:
        return self._num_batches

    def pad_fraction(self, epoch: int = 0) -> float:
        """Share of this rank's token slots that are padding over one epoch (rows padded to a multiple of 8)."""
        real = slots = 0
        for batch in self.row_indices_for_epoch(epoch):
            lengths = self.row_lengths[batch]
            real += int(lengths.sum())
            slots += len(batch) * -(-int(lengths.max()) // PAD_TO_MULTIPLE) * PAD_TO_MULTIPLE
        return 1 - real / slots if slots else 0.0

    def row_indices_for_epoch(self, epoch: int) -> list[np.ndarray]:
        """Indices into ``rows`` of this rank's micro-batches in ``epoch`` (a function of seed and epoch only)."""
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.rows))
        if self.group_by_length:
            order = grouped_order(order, self.row_lengths, self.micro_batch_size * self.world_size, rng)
        size = self.micro_batch_size
        starts = ((b * self.world_size + self.rank) * size for b in range(self._num_batches))
        return [order[start : start + size] for start in starts]

    def batches_for_epoch(self, epoch: int) -> list[list[list[int]]]:
        return [[self.rows[i] for i in batch] for batch in self.row_indices_for_epoch(epoch)]

    def __iter__(self):
        batches = self.batches_for_epoch(self.epoch)
        skip, self._skip = self._skip, 0
        self.batches_done = skip
        dataset = _BatchDataset(self.store.directory, batches[skip:], self.pad_id)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=None, shuffle=False, num_workers=self.num_workers,
            persistent_workers=False, pin_memory=torch.cuda.is_available(),
        )
        for batch in loader:
            self.batches_done += 1
            yield batch
        self.epoch += 1
        self.batches_done = 0

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "batches_done": self.batches_done, "seed": self.seed,
                "num_batches": self._num_batches, "group_by_length": self.group_by_length}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if (state.get("seed") != self.seed or state.get("num_batches") != self._num_batches
                or bool(state.get("group_by_length", False)) != self.group_by_length):
            raise ValueError(
                "checkpoint data state does not match this data (seed, number of batches or length grouping "
                f"differ): {state} vs seed={self.seed} num_batches={self._num_batches} "
                f"group_by_length={self.group_by_length}"
            )
        self.epoch = int(state["epoch"])
        self._skip = int(state["batches_done"])
        if self._skip >= self._num_batches:  # saved at the very end of an epoch
            self.epoch += 1
            self._skip = 0


def tokenized_dir(root: Path, source: str | Path, tokenizer, max_length: int, label_turns: str,
                  truncation: str = "right") -> Path:
    return root / store_key(source, tokenizer, max_length, label_turns, truncation)


