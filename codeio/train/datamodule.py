"""LightningDataModule: chat rows -> token store (rank 0, once) -> rows (packed or not) -> resumable loader."""

from __future__ import annotations

from pathlib import Path

import lightning as L

from codeio.train.chat import ChatTokenizer
from codeio.train.data import ResumableLoader, TokenStore, plan_rows, tokenized_dir


class ChatDataModule(L.LightningDataModule):
    """Training data of one stage.

    ``prepare_data`` (global rank 0 only) tokenizes ``source`` into ``cache_root/<key>``; every rank then
    maps the same arrays in ``setup`` and plans the same rows from the same seed. ``batching``: one sample
    per row (``padding``, ``grouped``: micro-batches of similar lengths) or packed rows (``packing``).
    """

    def __init__(self, source: str | Path, tokenizer, cache_root: str | Path, max_length: int = 4096,
                 label_turns: str = "all", batching: str = "packing", micro_batch_size: int = 1, seed: int = 42,
                 num_workers: int = 0, chat_template: str | None = None, tokenize_workers: int = 1,
                 truncation: str = "right") -> None:
        super().__init__()
        self.prepare_data_per_node = False
        self.source = Path(source)
        self.chat = ChatTokenizer(tokenizer, max_length=max_length, label_turns=label_turns,
                                  chat_template=chat_template, truncation=truncation)
        self.tokenizer = tokenizer
        self.cache_root = Path(cache_root)
        self.max_length = max_length
        self.label_turns = label_turns
        self.batching = batching
        """``padding``, ``grouped`` or ``packing`` (``TrainerConfig.batching``)."""
        self.micro_batch_size = micro_batch_size
        self.seed = seed
        self.num_workers = num_workers
        self.tokenize_workers = tokenize_workers
        self.store: TokenStore | None = None
        self.rows: list[list[int]] | None = None
        self.loader: ResumableLoader | None = None

    @property
    def store_dir(self) -> Path:
        return tokenized_dir(self.cache_root, self.source, self.tokenizer, self.max_length, self.label_turns,
                             self.chat.truncation)

    def prepare_data(self) -> None:
        TokenStore.write(self.store_dir, self.chat, self.source, workers=self.tokenize_workers)

    def setup(self, stage: str | None = None) -> None:
        if self.store is not None:
            return
        self.store = TokenStore(self.store_dir)
        self.rows = plan_rows(self.store.lengths(), self.max_length, self.batching == "packing", self.seed)

    def train_dataloader(self) -> ResumableLoader:
        trainer = self.trainer
        rank, world = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        if self.rows is not None and len(self.rows) < self.micro_batch_size * world:
            raise ValueError(
                f"{self.source}: {len(self.rows)} rows after tokenization (rejections: "
                f"{self.store.stats['rejected']}) is less than one micro-batch per device"
            )
        self.loader = ResumableLoader(
            self.store, self.rows, self.micro_batch_size, self.tokenizer.pad_token_id, self.seed,
            rank=rank, world_size=world, num_workers=self.num_workers, group_by_length=self.batching == "grouped",
        )
        return self.loader

    def summary(self) -> dict:
        """Tokenization counts plus how full the rows are and how much of the micro-batches is padding."""
        assert self.store is not None and self.rows is not None
        tokens = int(self.store.lengths().sum())
        return {
            **self.store.stats,
            "batching": self.batching,
            "rows": len(self.rows),
            "fill": round(tokens / max(1, len(self.rows) * self.max_length), 4),
            "pad_fraction": round(self.loader.pad_fraction(), 4) if self.loader else None,
            "dropped_rows_per_epoch": self.loader.dropped_rows if self.loader else None,
        }
