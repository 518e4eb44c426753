PAIRS = {")": "(", "]": "[", "}": "{"}


def check(text):
    """Return (True, -1) if balanced, else (False, index of the first problem)."""
    stack = []
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append((ch, i))
        elif ch in PAIRS:
            if not stack or stack[-1][0] != PAIRS[ch]:
                return False, i
            stack.pop()
    if stack:
        return False, stack[0][1]
    return True, -1


def max_depth(text):
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in PAIRS:
            depth -= 1
    return best


if __name__ == "__main__":
    for s in ["{[()()]}", "([)]", "((", "print(a[0])"]:
        print(s, check(s), max_depth(s))
