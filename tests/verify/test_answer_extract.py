"""Answer extraction on ordinary and adversarial model text."""

from __future__ import annotations

import math
import time

import pytest

from codeio.verify.extract import (
    NO_JSON,
    NO_RESPONSE,
    TRUNCATED,
    UNPARSABLE,
    WRONG_KEY,
    balanced_spans,
    extract_answer,
)


def value(text, key="output"):
    result = extract_answer(text, key)
    assert result.ok, result
    return result.value


def reason(text, key="output", finish_reason="stop"):
    result = extract_answer(text, key, finish_reason)
    assert not result.ok, result
    return result.reason


def test_plain_json_at_the_end():
    assert value('Reasoning...\nSo the answer is {"output": [1, 2, 3]}') == [1, 2, 3]


def test_input_key_returns_the_kwargs():
    assert value('Thus {"input": {"n": 5, "s": "ab"}}.', key="input") == {"n": 5, "s": "ab"}


def test_fenced_json_block_inside_prose():
    text = 'I think:\n```json\n{\n  "output": {"a": 1}\n}\n```\nThat is my final answer.'
    assert value(text) == {"a": 1}


def test_last_of_several_objects_wins():
    text = 'First guess {"output": 1}. Wait, recheck... final: {"output": 2}'
    assert value(text) == 2


def test_last_object_with_the_key_wins_over_a_later_keyless_one():
    assert value('{"output": 7} and a note {"confidence": 0.9}') == 7


def test_braces_and_quotes_inside_strings():
    text = 'answer: {"output": "a}b{c\\"}{"} trailing }'
    assert value(text) == 'a}b{c"}{'


def test_escaped_backslash_before_closing_quote():
    assert value(r'{"output": "x\\"} done') == "x\\"


def test_answer_string_that_itself_holds_json():
    assert value('{"output": "{\\"output\\": 1}"}') == '{"output": 1}'


def test_unbalanced_prose_brace_before_answer():
    assert value('the set {1, 2, 3 is unclosed; finally {"output": 6}') == 6


def test_prose_quote_does_not_derail_the_scan():
    assert value('He said "hello and then {"output": 4}') == 4


def test_unclosed_string_inside_braces_then_answer_is_rescued():
    text = '{"draft": "oops never closed ... \n\nFinal answer: {"output": 12}'
    assert value(text) == 12


def test_python_literals_fallback():
    assert value("{'output': [True, False, None, 'x']}") == [True, False, None, "x"]
    assert value("{'output': (1, 2)}") == [1, 2]


def test_mixed_python_and_json_literals():
    assert value("{'output': [true, null, 'true', False]}") == [True, None, "true", False]


def test_python_literal_that_is_not_json_shaped_is_rejected():
    assert reason("{'output': {1, 2}}") == UNPARSABLE
    assert reason("{'output': b'bytes'}") == UNPARSABLE


def test_never_evaluates_code():
    # literal_eval refuses calls; nothing is executed.
    assert reason("{'output': __import__('os').system('echo hi')}") == UNPARSABLE


def test_boxed_fallback():
    assert value(r"The result is \boxed{42}.") == 42
    assert value(r"\boxed{[1, 2]} and later \boxed{[3, {\"a\": 1}]}".replace('\\"', '"')) == [3, {"a": 1}]
    assert value(r'\boxed{{"n": 3}}', key="input") == {"n": 3}


def test_boxed_input_must_be_an_object():
    assert reason(r"\boxed{3}", key="input") == UNPARSABLE


def test_json_object_preferred_over_boxed():
    assert value(r'\boxed{1} ... {"output": 2}') == 2


def test_wrong_key():
    assert reason('{"result": 5}') == WRONG_KEY
    assert reason('{"output": 5}', key="input") == WRONG_KEY


def test_unparsable_and_missing():
    assert reason("{this is not json}") == UNPARSABLE
    assert reason("no braces at all") == NO_JSON
    assert reason("") == NO_JSON


def test_truncated_and_missing_response():
    assert reason('{"output": 5}', finish_reason="length") == TRUNCATED
    assert extract_answer(None, "output").reason == NO_RESPONSE


def test_nan_and_infinity_are_extracted_as_written():
    assert math.isnan(value('{"output": NaN}'))
    assert value('{"output": [Infinity, -Infinity]}') == [math.inf, -math.inf]


def test_bool_and_int_kept_distinct():
    assert value('{"output": true}') is True
    assert value('{"output": 1}') == 1 and value('{"output": 1}') is not True


def test_answer_json_is_sorted_json():
    result = extract_answer('{"output": {"b": 1, "a": [true, null]}}', "output")
    assert result.answer_json == '{"a":[true,null],"b":1}'


def test_balanced_spans_respects_strings():
    text = '{"a": "}"} x {"b": {"c": 1}}'
    spans = [text[s:e] for s, e in balanced_spans(text)]
    assert spans == ['{"a": "}"}', '{"c": 1}', '{"b": {"c": 1}}']


JUNK = {
    "open_braces": "{" * 1_000_000,
    "close_braces": "}" * 1_000_000,
    "pairs": "{}" * 500_000,
    "letters": "a" * 1_000_000,
    "nested_keys": '{"a":' * 200_000,
    "quotes": '"' * 1_000_000,
    "escaped_quotes": '{"output":"' + '\\"' * 500_000,
    "deep_literal": "{'output': " * 100_000 + "1" + "}" * 100_000,
    "many_objects": ('{"x": [' + "1," * 1000 + "1]}") * 400,
    "many_output_keys": '{"output": [1, ' * 100_000,
    "unclosed_boxed": "\\boxed{" * 140_000,
    "braces_inside_a_string": '{"s": "' + "{}" * 400_000 + '"} ',
    "mixed_literals": ("{'output': [true, " + "null, " * 15_000 + "x]} ") * 11,
}


@pytest.mark.parametrize("name", sorted(JUNK))
def test_one_megabyte_of_junk_is_bounded_and_answer_still_found(name):
    text = JUNK[name] + '\nFinal: {"output": 99}'
    start = time.perf_counter()
    result = extract_answer(text, "output")
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"{name}: {elapsed:.2f} s"  # linear work; quadratic would take minutes
    # Junk that leaves a string or object open may swallow the answer; it must never crash or hang,
    # and when it does not swallow it the answer is the final one.
    if name not in {"escaped_quotes"}:
        assert result.ok and result.value == 99, (name, result)


@pytest.mark.parametrize("name", sorted(JUNK))
def test_one_megabyte_of_junk_alone_gives_a_reason(name):
    start = time.perf_counter()
    result = extract_answer(JUNK[name], "output")
    assert time.perf_counter() - start < 10.0
    if not result.ok:
        assert result.reason in {NO_JSON, WRONG_KEY, UNPARSABLE}
