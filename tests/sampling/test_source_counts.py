"""Issue #17 item 9: the paper's per-source pair counts with a source whose rows all get one name would
silently give every function the same count; the run refuses at start-up and says what to set."""

from __future__ import annotations

import json

import pytest

from codeio.__main__ import ConfigurationError, build_pipeline
from tests.helpers import compose_config


def pipeline_for(tmp_path, *overrides):
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps({"content": "def f(x):\n    return x\n", "corpus": "codemix"}) + "\n")
    cfg = compose_config(["+experiment=codeio", f"source.path={raw}", "dataset.instruction_data=" + str(raw),
                          f"cache.dir={tmp_path / 'cache'}", "stages=[collect,transform,sample]", *overrides])
    return build_pipeline(cfg, tmp_path / "run")


def test_paper_counts_without_a_corpus_field_are_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="source.source_field") as err:
        pipeline_for(tmp_path)
    assert "every function gets 10 pairs" in str(err.value)
    pipeline_for(tmp_path, "source.source_field=corpus")  # rows name their corpus: fine
    pipeline_for(tmp_path, "sampler=paper_uniform", "sampler.pairs_per_function=6")  # one count for all
    pipeline_for(tmp_path, "sampler=paper_uniform", "source.name=codemix", "+sampler.pairs_per_source.codemix=3")
