DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def to_base(n, base):
    if not 2 <= base <= 36:
        raise ValueError("base must be in 2..36")
    if n == 0:
        return "0"
    sign = "-" if n < 0 else ""
    n = abs(n)
    out = []
    while n:
        n, r = divmod(n, base)
        out.append(DIGITS[r])
    return sign + "".join(reversed(out))


def from_base(text, base):
    text = text.strip().upper()
    sign = -1 if text.startswith("-") else 1
    value = 0
    for ch in text.lstrip("-"):
        d = DIGITS.index(ch)
        if d >= base:
            raise ValueError(f"digit {ch} not valid in base {base}")
        value = value * base + d
    return sign * value


def convert(text, src, dst):
    return to_base(from_base(text, src), dst)


if __name__ == "__main__":
    print(convert("FF", 16, 2))
    print(convert("-777", 8, 10))
    print(to_base(2024, 36))
