"""Run-length encoding in the "3A2B1C" style and back."""
import itertools
import re


def encode(text):
    return "".join(f"{len(list(group))}{ch}" for ch, group in itertools.groupby(text))


def decode(code):
    return "".join(ch * int(count) for count, ch in re.findall(r"(\d+)(\D)", code))


def compression_ratio(text):
    if not text:
        return 1.0
    return len(encode(text)) / len(text)


if __name__ == "__main__":
    for sample in ["WWWWWWWWWWWWBWWWWWWWWWWWWBBBWWWWWWWWWWWWWWWWWWWWWWWWB", "abc", ""]:
        enc = encode(sample)
        assert decode(enc) == sample
        print(repr(enc), round(compression_ratio(sample), 3))
