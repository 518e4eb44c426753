"""Minimal harness: call the entry and return what it was called with as the extra output."""


def run(fn, kwargs, options):
    value = fn(**kwargs)
    extra = {"kwargs": kwargs, "options": options, "value_type": type(value).__name__}
    return value, extra
