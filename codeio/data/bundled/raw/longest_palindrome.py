def expand(s, left, right):
    while left >= 0 and right < len(s) and s[left] == s[right]:
        left -= 1
        right += 1
    return left + 1, right


def longest_palindromic_substring(s):
    best = (0, 0)
    for center in range(len(s)):
        for lo, hi in (expand(s, center, center), expand(s, center, center + 1)):
            if hi - lo > best[1] - best[0]:
                best = (lo, hi)
    return s[best[0]:best[1]]


def count_palindromic_substrings(s):
    total = 0
    for center in range(2 * len(s) - 1):
        lo, hi = center // 2, center // 2 + center % 2
        while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
            total += 1
            lo -= 1
            hi += 1
    return total


if __name__ == "__main__":
    for word in ["babad", "cbbd", "forgeeksskeegfor", "abc"]:
        print(word, longest_palindromic_substring(word), count_palindromic_substrings(word))
