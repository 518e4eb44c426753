"""Chat tokenization: loss only on assistant tokens, turn options, counted rejections and truncation."""

from __future__ import annotations

import pytest

from codeio.train.chat import IGNORE_INDEX, ChatTokenizer, TokenizeStats, read_chat_rows

CONVERSATION = [
    {"role": "system", "content": "Answer with JSON."},
    {"role": "user", "content": "What is main_solution(x=2)? It doubles x."},
    {"role": "assistant", "content": "Doubling 2 gives 4. {\"output\": 4}"},
    {"role": "user", "content": "Are you sure?"},
    {"role": "assistant", "content": "Yes, that's correct."},
]


def labelled_spans(tokenizer, sample) -> list[str]:
    """Decoded runs of consecutive labelled tokens."""
    spans, current = [], []
    for token, label in zip(sample.input_ids, sample.labels, strict=True):
        if label != IGNORE_INDEX:
            assert label == token
            current.append(token)
        elif current:
            spans.append(tokenizer.decode(current))
            current = []
    if current:
        spans.append(tokenizer.decode(current))
    return spans


def test_labels_cover_exactly_the_assistant_turns(tiny_tokenizer):
    chat = ChatTokenizer(tiny_tokenizer, max_length=4096, label_turns="all")
    stats = TokenizeStats()
    sample = chat(CONVERSATION, stats)
    assert sample is not None and len(sample.labels) == len(sample.input_ids)
    spans = labelled_spans(tiny_tokenizer, sample)
    assert spans == [
        "Doubling 2 gives 4. {\"output\": 4}<|im_end|>\n",
        "Yes, that's correct.<|im_end|>\n",
    ]
    prompt_text = tiny_tokenizer.decode([t for t, lab in zip(sample.input_ids, sample.labels, strict=True) if lab == IGNORE_INDEX])
    for message in CONVERSATION:
        if message["role"] != "assistant":
            assert message["content"] in prompt_text


def test_last_turn_only(tiny_tokenizer):
    chat = ChatTokenizer(tiny_tokenizer, label_turns="last")
    sample = chat(CONVERSATION, TokenizeStats())
    assert labelled_spans(tiny_tokenizer, sample) == ["Yes, that's correct.<|im_end|>\n"]


def test_truncation_is_counted_and_empty_samples_rejected(tiny_tokenizer):
    chat = ChatTokenizer(tiny_tokenizer, max_length=40)
    stats = TokenizeStats()
    long_answer = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "word " * 200}]
    long_prompt = [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "ok"}]
    kept = chat(long_answer, stats)
    assert kept is not None and len(kept.input_ids) == 40 and kept.truncated
    assert chat(long_prompt, stats) is None
    assert stats.truncated == 1
    assert stats.rejected == {"no_assistant_tokens_after_truncation": 1}


def test_prompt_first_truncation_keeps_the_answer(tiny_tokenizer):
    """A prompt longer than max_length loses its front, not the answer; an answer longer than what is
    left keeps its start; a sample that fits is left alone."""
    right = ChatTokenizer(tiny_tokenizer, max_length=40)
    prompt_first = ChatTokenizer(tiny_tokenizer, max_length=40, truncation="prompt_first")
    long_prompt = [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "ok then"}]
    assert right.encode(long_prompt) == "no_assistant_tokens_after_truncation"
    kept = prompt_first.encode(long_prompt)
    assert len(kept.input_ids) == 40 and kept.truncated
    full = right.encode([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok then"}])
    answer = [t for t, label in zip(full.input_ids, full.labels, strict=True) if label != IGNORE_INDEX]
    assert [t for t, label in zip(kept.input_ids, kept.labels, strict=True) if label != IGNORE_INDEX] == answer
    assert kept.input_ids[-len(answer):] == answer  # the answer is whole, at the end of the sample
    both_long = [{"role": "user", "content": "word " * 200}, {"role": "assistant", "content": "step " * 200}]
    cut = prompt_first.encode(both_long)
    assert len(cut.input_ids) == 40 and cut.labels[0] == IGNORE_INDEX and cut.labels[1] != IGNORE_INDEX
    short = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok then"}]
    assert prompt_first.encode(short) == right.encode(short)
    with pytest.raises(ValueError, match="truncation"):
        ChatTokenizer(tiny_tokenizer, truncation="left")


def test_bad_rows_are_counted_not_raised(tiny_tokenizer, tmp_path, make_jsonl):
    path = make_jsonl(tmp_path / "mixed.jsonl", [
        {"messages": CONVERSATION},
        {"messages": []},
        {"messages": [{"role": "user", "content": "no answer"}]},
        {"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]},
        {"messages": [{"role": "user", "content": 3}, {"role": "assistant", "content": "y"}]},
        {"prompt": "no messages"},
        {"messages_json": '[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]'},
    ], extra_lines=("{not json",))
    samples, stats = ChatTokenizer(tiny_tokenizer).tokenize_all(read_chat_rows(path))
    assert len(samples) == 2 and stats.rows_in == 8 and stats.rows_out == 2
    assert stats.rejected == {"no_messages": 1, "no_assistant_turn": 1, "bad_role": 1, "bad_message": 1,
                              "bad_row": 2}


def test_fallback_template_when_tokenizer_has_none(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.chat_template = None
    chat = ChatTokenizer(tokenizer)
    sample = chat(CONVERSATION[1:3], TokenizeStats())
    assert labelled_spans(tokenizer, sample) == ["Doubling 2 gives 4. {\"output\": 4}<|im_end|>\n"]


def test_template_override_from_text_or_file(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    template = ("{% for m in messages %}[{{ m['role'] }}]{{ m['content'] }}{{ eos_token }}{% endfor %}"
                "{% if add_generation_prompt %}[assistant]{% endif %}")
    (tmp_path / "t.jinja").write_text(template)
    for option in (template, str(tmp_path / "t.jinja")):
        tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
        sample = ChatTokenizer(tokenizer, chat_template=option)(CONVERSATION[1:3], TokenizeStats())
        assert labelled_spans(tokenizer, sample) == ["Doubling 2 gives 4. {\"output\": 4}<|im_end|>"]
