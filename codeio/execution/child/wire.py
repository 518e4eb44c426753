# ruff: noqa: UP031 - percent formatting on purpose: the child side runs under any Python 3.8+
"""Wire format of the sandbox: length-prefixed frames of canonical JSON, and the canonical encoder.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON. Every frame is
produced by ``dumps_canonical`` (sorted keys, no spaces, lone surrogates escaped), so it always
encodes. ``read_frame`` survives whatever arrives: a frame above the size limit, bytes that are not
UTF-8, JSON nested deeper than the decoder can go or too large to hold all raise ``Garbled``, which
costs only the job that sent it.

The encoder also serializes the values a job returns. It is built from references captured when this
module is imported, before any job code runs, so a job that patches ``json``, ``builtins`` or ``math``
cannot change how its value is reported. Standard library only; runs under any Python 3.8+.
"""

import builtins
import json
import math
import os
import re
import select
import struct
import time

_dict_items = dict.items
_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_float_repr = float.__repr__
_int_repr = int.__repr__
_str_new = str.__str__
_isfinite = math.isfinite
_isinstance = builtins.isinstance
_len = builtins.len
_sorted = builtins.sorted
_id = builtins.id
_sum = builtins.sum
_type_name = type.__dict__["__name__"].__get__
_monotonic = time.monotonic
_select = select.select
_read = os.read
_write = os.write
_pack = struct.Struct(">I").pack
_unpack = struct.Struct(">I").unpack
_encode_str = json.encoder.encode_basestring  # ensure_ascii=False, like codeio.jsontext.canonical_json
_scan = json.JSONDecoder().scan_once  # the C scanner: immune to later patches of the json module
_surrogate = re.compile("[\ud800-\udfff]")
_trusted_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode
"""The C encoder, for frames of processes that never run job code (parent, worker, template): ASCII
only, so lone surrogates come out escaped as ``dumps_canonical`` writes them."""
_escape = _surrogate.sub
_is_ascii = str.isascii


class NotJSON(Exception):
    """The value has no strict JSON form (NaN, set, bytes, self-reference, huge int, ...)."""


class TooLarge(Exception):
    """The serialized value is above the output cap."""


class Garbled(Exception):
    """A frame that cannot be decoded: too large, not UTF-8, not JSON, nested too deeply."""


def _surrogate_escape(match):
    return "\\u%04x" % ord(match.group())


def _string(text):
    out = _encode_str(text)
    if _is_ascii(text):
        return out
    return _escape(_surrogate_escape, out)


def _key_text(key, compat):
    if _isinstance(key, str):
        return _str_new(key)
    if compat:  # what json.dumps does with non-string keys
        if key is True:
            return "true"
        if key is False:
            return "false"
        if key is None:
            return "null"
        if _isinstance(key, int):
            return _int_repr(key)
        if _isinstance(key, float):
            if not _isfinite(key):
                raise NotJSON("non-finite float key")
            return _float_repr(key)
    raise NotJSON("dict key of type " + _type_name(type(key)))


def _dump(value, out, compat, path, budget):
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif _isinstance(value, str):
        out.append(_string(_str_new(value)))
    elif _isinstance(value, int):
        try:
            out.append(_int_repr(value))
        except ValueError:  # int too large to convert (Python >= 3.11 digit limit)
            raise NotJSON("integer too large") from None
    elif _isinstance(value, float):
        if not _isfinite(value):
            raise NotJSON("non-finite float")
        out.append(_float_repr(value))
    elif _isinstance(value, list) or (compat and _isinstance(value, tuple)):
        ident = _id(value)
        if ident in path:
            raise NotJSON("self-referencing container")
        path.add(ident)
        out.append("[")
        first = True
        for item in (_list_iter(value) if _isinstance(value, list) else _tuple_iter(value)):
            if not first:
                out.append(",")
            first = False
            _dump(item, out, compat, path, budget)
        out.append("]")
        path.discard(ident)
    elif _isinstance(value, dict):
        ident = _id(value)
        if ident in path:
            raise NotJSON("self-referencing container")
        path.add(ident)
        pairs = _sorted([(_key_text(k, compat), v) for k, v in _dict_items(value)], key=lambda kv: kv[0])
        out.append("{")
        previous = None
        for index, (key, item) in enumerate(pairs):
            if key == previous:
                raise NotJSON("duplicate key after conversion: " + key)
            previous = key
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _dump(item, out, compat, path, budget)
        out.append("}")
        path.discard(ident)
    else:
        raise NotJSON("value of type " + _type_name(type(value)))
    budget[0] += 1
    if budget[0] & 1023 == 0 and _sum(_len(p) for p in out) > budget[1]:
        raise TooLarge("serialized value above the output cap")


def dumps_canonical(value, compat=True, limit=1 << 20):
    """Canonical JSON text (sorted keys, no spaces, lone surrogates escaped); raises NotJSON or TooLarge.
    ``compat`` accepts what ``json.dumps`` accepts beyond strict JSON (tuples, non-string keys)."""
    out = []
    try:
        _dump(value, out, compat, set(), [0, limit])
    except RecursionError:
        raise NotJSON("value nested too deeply") from None
    text = "".join(out)
    if _len(text) > limit:
        raise TooLarge("serialized value has %d characters, cap %d" % (_len(text), limit))
    return text


def loads(text):
    """Decode one JSON document; ``Garbled`` on anything else (trailing data, depth, memory)."""
    try:
        if _isinstance(text, bytes):
            text = text.decode("utf-8")
        value, end = _scan(text, 0)
        if text[end:].strip():
            raise Garbled("extra data after the JSON value")
        return value
    except StopIteration as exc:
        raise Garbled("invalid JSON at %s" % exc.value) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError is a ValueError
        raise Garbled("%s: %s" % (_type_name(type(exc)), str(exc)[:200])) from None


# ---------------------------------------------------------------------------------------------------
# Framing
def write_frame(fd, obj, canonical=True):
    """Write ``obj`` as one frame (all of it: the loop survives short writes)."""
    write_frames(fd, [obj], canonical)


def frame_bytes(obj, canonical=True):
    """The frame of ``obj``: ``canonical`` (in a job process, whose code may have patched ``json``) with
    the private encoder, else with the C one (about ten times faster)."""
    data = None
    if not canonical:
        try:
            data = _trusted_encode(obj).encode("ascii")
        except (ValueError, TypeError, RecursionError):
            data = None
    if data is None:
        data = dumps_canonical(obj, True, 1 << 30).encode("utf-8")
    return _pack(_len(data)) + data


def write_frames(fd, objs, canonical=True):
    """Write several frames with as few system calls as the pipe allows."""
    parts = []
    for obj in objs:
        parts.append(frame_bytes(obj, canonical))
    view = memoryview(b"".join(parts))
    while view:
        view = view[_write(fd, view):]


def read_exact(fd, n, deadline=None):
    """``n`` bytes from ``fd``; None on end of file; TimeoutError past ``deadline`` (monotonic)."""
    chunks = []
    while n > 0:
        if deadline is not None:
            remaining = deadline - _monotonic()
            if remaining <= 0 or not _select([fd], [], [], remaining)[0]:
                raise TimeoutError
        chunk = _read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= _len(chunk)
    return b"".join(chunks)


class FrameReader:
    """Frames from one descriptor, read in large chunks (several small frames cost one ``read``)."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = bytearray()

    def _fill(self, n, deadline):
        """At least ``n`` bytes buffered; False on end of file."""
        while _len(self.buffer) < n:
            if deadline is not None:
                remaining = deadline - _monotonic()
                if remaining <= 0 or not _select([self.fd], [], [], remaining)[0]:
                    raise TimeoutError
            chunk = _read(self.fd, max(n - _len(self.buffer), 1 << 16))
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def read(self, deadline=None, limit=None):
        """As ``read_frame``."""
        if not self._fill(4, deadline):
            return None
        (size,) = _unpack(bytes(self.buffer[:4]))
        if limit is not None and size > limit:
            raise Garbled("frame of %d bytes above the limit %d" % (size, limit))
        try:
            if not self._fill(4 + size, deadline):
                return None
        except MemoryError:
            raise Garbled("frame of %d bytes does not fit in memory" % size) from None
        body = bytes(self.buffer[4:4 + size])
        del self.buffer[:4 + size]
        return loads(body)


def read_frame(fd, deadline=None, limit=None):
    """The next frame's value; None on end of file. TimeoutError past ``deadline``; ``Garbled`` for a
    frame above ``limit`` bytes or one that does not decode."""
    head = read_exact(fd, 4, deadline)
    if head is None:
        return None
    (size,) = _unpack(head)
    if limit is not None and size > limit:
        raise Garbled("frame of %d bytes above the limit %d" % (size, limit))
    try:
        body = read_exact(fd, size, deadline)
    except MemoryError:
        raise Garbled("frame of %d bytes does not fit in memory" % size) from None
    if body is None:
        return None
    return loads(body)
