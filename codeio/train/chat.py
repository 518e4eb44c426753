"""Chat samples -> token ids and labels, loss only on assistant tokens.

Each sample is rendered once through the tokenizer's chat template. The characters of assistant turn i are
those between the rendering of ``messages[:i]`` with a generation prompt and the rendering of
``messages[:i+1]``; tokens whose characters start inside such a span are trained, everything else
(system, user, role headers) gets label -100. Templates whose renderings are not prefixes of each other
cannot be split this way: such samples are rejected with a counted reason, never guessed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codeio.train.tiny import CHATML_TEMPLATE

IGNORE_INDEX = -100
ROLES = ("system", "user", "assistant", "tool")


@dataclass
class TokenizedSample:
    input_ids: list[int]
    labels: list[int]
    """Same length as ``input_ids``; ``IGNORE_INDEX`` off assistant tokens. Not shifted."""
    truncated: bool = False


@dataclass
class TokenizeStats:
    rows_in: int = 0
    rows_out: int = 0
    truncated: int = 0
    tokens: int = 0
    """Tokens kept (after truncation) over all accepted samples."""
    label_tokens: int = 0
    rejected: Counter = field(default_factory=Counter)

    def add(self, result: TokenizedSample | str) -> TokenizedSample | None:
        """Count one ``ChatTokenizer.encode`` result; the sample, or None when it was rejected."""
        self.rows_in += 1
        if isinstance(result, str):
            self.rejected[result] += 1
            return None
        self.rows_out += 1
        self.truncated += int(result.truncated)
        self.tokens += len(result.input_ids)
        self.label_tokens += sum(label != IGNORE_INDEX for label in result.labels[1:])
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "truncated": self.truncated,
            "tokens": self.tokens,
            "label_tokens": self.label_tokens,
            "rejected": dict(self.rejected),
        }


def read_chat_rows(source: str | Path) -> Iterator[Any]:
    """Yield the ``messages`` value of each row of a JSONL file or a ``datasets`` directory.

    Lines that are not JSON objects yield None (``ChatTokenizer`` counts them as ``bad_row``). Rows may carry
    ``messages`` as a list or as JSON text in ``messages_json``.
    """
    path = Path(source)
    if path.is_dir():
        from datasets import load_from_disk

        dataset = load_from_disk(str(path))
        if hasattr(dataset, "keys") and "train" in dataset:  # a DatasetDict
            dataset = dataset["train"]
        for row in dataset:
            yield _messages_of(row)
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            yield _messages_of(row)


def _messages_of(row: Any) -> Any:
    if not isinstance(row, dict):
        return None
    if "messages" in row and row["messages"] is not None:
        return row["messages"]
    text = row.get("messages_json")
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


def check_messages(messages: Any) -> str | None:
    """None when the conversation is usable, else the rejection reason."""
    if messages is None:
        return "bad_row"
    if not isinstance(messages, list) or not messages:
        return "no_messages"
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            return "bad_message"
        if message.get("role") not in ROLES:
            return "bad_role"
    if not any(m["role"] == "assistant" for m in messages):
        return "no_assistant_turn"
    return None


def _is_file(text: str) -> bool:
    """Whether a template option names a file (template text itself is long and full of braces)."""
    if "\n" in text or "{" in text:
        return False
    try:
        return Path(text).is_file()
    except OSError:
        return False


class ChatTokenizer:
    """Renders conversations with a chat template and labels the assistant tokens."""

    def __init__(self, tokenizer, max_length: int = 4096, label_turns: str = "all",
                 chat_template: str | None = None, truncation: str = "right") -> None:
        if label_turns not in ("all", "last"):
            raise ValueError(f"label_turns must be 'all' or 'last', got {label_turns!r}")
        if truncation not in ("right", "prompt_first"):
            raise ValueError(f"truncation must be 'right' or 'prompt_first', got {truncation!r}")
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.label_turns = label_turns
        self.truncation = truncation
        """``TrainerConfig.truncation``: ``right`` or ``prompt_first``."""
        template = chat_template
        if template and _is_file(template):
            template = Path(template).read_text(encoding="utf-8")
        if template:
            tokenizer.chat_template = template
        elif not getattr(tokenizer, "chat_template", None):
            tokenizer.chat_template = CHATML_TEMPLATE
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("a fast tokenizer (character offsets) is needed to locate assistant tokens")

    def _render(self, messages: list[dict], generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(
            [{"role": m["role"], "content": m["content"]} for m in messages],
            tokenize=False,
            add_generation_prompt=generation_prompt,
        )

    def assistant_spans(self, messages: list[dict]) -> tuple[str, list[tuple[int, int]]] | None:
        """The full text and the character spans of the trained assistant turns; None if not splittable."""
        full = self._render(messages, False)
        spans = []
        for index, message in enumerate(messages):
            if message["role"] != "assistant":
                continue
            start_text = self._render(messages[:index], True) if index else ""
            end_text = self._render(messages[: index + 1], False)
            if not full.startswith(start_text) or not full.startswith(end_text) or len(end_text) <= len(start_text):
                return None
            spans.append((len(start_text), len(end_text)))
        if self.label_turns == "last":
            spans = spans[-1:]
        return full, spans

    def encode(self, messages: Any) -> TokenizedSample | str:
        """The tokenized sample, or the reason it is rejected (pure: safe in worker processes)."""
        reason = check_messages(messages)
        if reason is not None:
            return reason
        try:
            rendered = self.assistant_spans(messages)
        except Exception:  # noqa: BLE001 - a template error on one row is a rejection, not a crash
            return "template_error"
        if rendered is None:
            return "template_not_prefix"
        full, spans = rendered
        encoded = self.tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(encoded["input_ids"])
        labels = [IGNORE_INDEX] * len(ids)
        span_index = 0
        for position, (start, _end) in enumerate(encoded["offset_mapping"]):
            while span_index < len(spans) and start >= spans[span_index][1]:
                span_index += 1
            if span_index < len(spans) and spans[span_index][0] <= start < spans[span_index][1]:
                labels[position] = ids[position]
        truncated = len(ids) > self.max_length
        if truncated and self.truncation == "prompt_first":
            ids, labels = _drop_prompt_front(ids, labels, len(ids) - self.max_length)
        if truncated:
            ids, labels = ids[: self.max_length], labels[: self.max_length]
        # A label is predicted from the token before it, so a labelled first token teaches nothing.
        if not any(label != IGNORE_INDEX for label in labels[1:]):
            return "no_assistant_tokens_after_truncation" if truncated else "no_assistant_tokens"
        return TokenizedSample(ids, labels, truncated)

    def __call__(self, messages: Any, stats: TokenizeStats) -> TokenizedSample | None:
        """``encode`` plus bookkeeping in ``stats``."""
        return stats.add(self.encode(messages))

    def tokenize_all(self, rows: Iterable[Any]) -> tuple[list[TokenizedSample], TokenizeStats]:
        stats = TokenizeStats()
        samples = [s for s in (self(row, stats) for row in rows) if s is not None]
        return samples, stats

    def iter_encoded(self, rows: Iterable[Any], workers: int = 1, chunksize: int = 64) -> Iterator[TokenizedSample | str]:
        """``encode`` over ``rows`` in order, on ``workers`` processes when > 1."""
        if workers <= 1:
            yield from map(self.encode, rows)
            return
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            yield from pool.imap(self.encode, rows, chunksize=chunksize)


def _drop_prompt_front(ids: list[int], labels: list[int], excess: int) -> tuple[list[int], list[int]]:
    """Remove up to ``excess`` tokens from the front of the text before the first labelled token, keeping
    the token just before it (a label is predicted from the token before it)."""
    first_label = next((i for i, label in enumerate(labels) if label != IGNORE_INDEX), len(labels))
    cut = max(0, min(excess, first_label - 1))
    return ids[cut:], labels[cut:]

