"""Sentence templates of the trace teacher, several per situation so rationales are not monotone.

Every template only frames facts taken from the trace: ``{src}`` is a quoted source line, ``{assign}``
and ``{args}`` are ``name = value`` lists from the log, ``{count}``/``{k}``/``{a}``/``{b}`` are counts
and iteration numbers the harness recorded. Templates never introduce numbers of their own.
"""

from __future__ import annotations

OUTPUT_INTRO = (
    "We need to find what `{fn}` returns when it is called with {args}.",
    "The question asks for the output of `{fn}` for the input {args}.",
    "Let me work out the value `{fn}` produces given {args}.",
)
INPUT_INTRO = (
    "We need an input for `{fn}` that makes it return {target}.",
    "The task is to find arguments for `{fn}` so that the result is {target}.",
    "We are looking for an input that leads `{fn}` to the output {target}.",
)
NO_ARGS = "no arguments"
GIVEN_OUTPUT = "the output given in the question"
BELOW = "the value written out below"
START = (
    "I'll follow the computation step by step.",
    "Let me go through what happens, one step at a time.",
    "Let me trace the execution carefully.",
)
REVISION = (
    "Let me redo this from the start and follow the computation exactly.",
    "I'll go through the whole computation again, carefully, step by step.",
)

SET = (
    "`{src}` gives {assign}.",
    "After `{src}`, {assign}.",
    "`{src}` sets {assign}.",
    "Running `{src}`: now {assign}.",
)
SET_NO_SRC = ("Now {assign}.", "At this point {assign}.")

BRANCH_TRUE = (
    "`{src}` is true, so we go into that block.",
    "The test `{src}` holds, so that branch runs.",
    "Checking `{src}`: it is true.",
)
BRANCH_FALSE = (
    "`{src}` is false, so that block is skipped.",
    "The test `{src}` fails, so we move past it.",
    "Checking `{src}`: it is false.",
)

CALL_OPEN = (
    "`{fn}` is called with {args}.",
    "This calls `{fn}` with {args}.",
    "Next, `{fn}` runs with {args}.",
)
CALL_RETURN = (
    "`{fn}` returns {ret}.",
    "So `{fn}` gives back {ret}.",
    "`{fn}` finishes and returns {ret}.",
)
CALL_COMPACT = (
    "`{fn}({call_args})` returns {ret}.",
    "A call to `{fn}` with {args} returns {ret}.",
)
GEN_RESUME = ("The generator `{fn}` resumes.", "`{fn}` picks up where it left off.")
GEN_YIELD = ("It yields {ret}.", "`{fn}` yields {ret}.")
GEN_END = ("The generator `{fn}` is exhausted.", "`{fn}` has nothing more to yield.")
CALL_RAISES = ("`{fn}` raises {exc}.", "`{fn}` stops with {exc}.")
CALL_UNFINISHED = ("`{fn}` is called with {args}.",)

LOOP_COUNT = (
    "Now the loop `{src}` runs {count} times.",
    "Next comes the loop `{src}`, which goes round {count} times.",
    "The loop `{src}` repeats {count} times.",
)
LOOP_ONCE = ("Now the loop `{src}` runs once.", "The loop `{src}` goes round just once.")
LOOP_OPEN = ("Now the loop `{src}` starts.", "Next comes the loop `{src}`.")
ITERATION = (
    "Iteration {k}: {vars}.",
    "Round {k}, with {vars}:",
    "In iteration {k} ({vars}):",
)
ITERATION_PLAIN = ("Iteration {k}:", "Round {k}:")
SKIP = (
    "Iterations {a} to {b}, in short:",
    "For iterations {a} to {b} I'll just summarise:",
    "I won't spell out iterations {a} to {b} one by one; in short:",
)
SKIP_VALUES = ("`{name}` takes the values {seq}", "`{name}` moves through {seq}")
SKIP_BRANCH_ALWAYS = ("`{src}` is true every time", "`{src}` holds in each of them")
SKIP_BRANCH_NEVER = ("`{src}` is false every time", "`{src}` fails in each of them")
SKIP_BRANCH_MIXED = ("`{src}` is true in some and false in others", "`{src}` holds only sometimes")
SKIP_CALLS_ALL = ("each of them calls `{fn}`", "`{fn}` is called in every one of them")
SKIP_CALLS_SOME = ("some of them call `{fn}`", "`{fn}` is called in some of them")
SKIP_LOOPS_ALL = ("each of them runs the inner loop `{src}`", "the inner loop `{src}` runs in every one of them")
SKIP_LOOPS_SOME = ("some of them run the inner loop `{src}`", "the inner loop `{src}` runs in some of them")
LOOP_END = ("After the loop, {assign}.", "When the loop finishes, {assign}.", "At the end of the loop, {assign}.")
LOOP_TRUNCATED = ("The loop is still running where the recorded trace stops.",)

RETURN = (
    "Finally `{src}` produces the result, {ret}.",
    "The function ends with `{src}`, which gives {ret}.",
    "Then `{src}` returns {ret}.",
)
RETURN_NO_SRC = ("The function returns {ret}.",)
RETURN_LONG = (
    "Finally `{src}` hands back the result.",
    "The function ends with `{src}`.",
)
BUDGET = (
    "(The remaining steps follow the same way; I'll skip the details.)",
    "(I'll stop spelling out individual steps here.)",
)
PART_BUDGET = (
    "(I'll skip the remaining details of this part.)",
    "(The rest of this part I won't spell out step by step.)",
)
TRUNCATED = (
    "The execution is long, so I followed it only this far; carrying it through to the end gives the result.",
    "The trace is long, so I stop following it in detail here; running it to the end gives the result.",
)
OUTPUT_CONCLUSION = (
    "So the output is {value}.",
    "Therefore `{fn}` returns {value}.",
    "That means the final result is {value}.",
)

# Input prediction: reasoning backwards, then confirming forward.
BACK_START = (
    "Let me work backwards from the output.",
    "I'll start from the end of the function and reason back to the inputs.",
)
BACK_RETURN = (
    "The function ends with `{src}`, so that expression has to come out as the target.",
    "The result comes from `{src}`; that is what must match the target.",
)
BACK_SET = (
    "`{name}` gets its final value {value} from `{src}`.",
    "`{name}` ends up as {value}, set by `{src}`.",
)
BACK_SET_LOOP = (
    "`{name}` gets its final value {value} from `{src}`, inside the loop `{loop}`.",
    "`{name}` ends up as {value}, set by `{src}` in the loop `{loop}`.",
)
BACK_BRANCH_TRUE = (
    "Along the way `{src}` has to hold, and that test depends on {names}.",
    "The path to this result passes through `{src}` being true, which is decided by {names}.",
)
BACK_BRANCH_FALSE = (
    "Along the way `{src}` has to fail, and that test depends on {names}.",
    "The path to this result needs `{src}` to be false, which is decided by {names}.",
)
BACK_INPUTS = (
    "So the result is driven by the input{s} {names}.",
    "Everything traces back to the input{s} {names}.",
)
CANDIDATE = (
    "An input that fits this chain is {kwargs}.",
    "A candidate that should work: {kwargs}.",
    "Let me try {kwargs}.",
)
CANDIDATE_NO_CHAIN = (
    "I'll take {kwargs} as the candidate and check it by following the computation.",
    "Let me propose {kwargs} and verify it by following the computation.",
)
CONFIRM = (
    "Let me confirm by running through it forwards.",
    "Now I'll check the candidate by tracing it forward.",
)
CONFIRMED = (
    "This gives {value}, matching the target, so the candidate works.",
    "The result is {value}: exactly what was required, so the candidate is right.",
)
