from collections import defaultdict


def signature(word):
    return "".join(sorted(word.lower()))


def group_anagrams(words):
    groups = defaultdict(list)
    for w in words:
        groups[signature(w)].append(w)
    return [sorted(g) for g in groups.values()]


def is_anagram(a, b):
    def letters(s):
        return sorted(ch for ch in s.lower() if ch.isalpha())

    return letters(a) == letters(b)


if __name__ == "__main__":
    words = ["listen", "silent", "enlist", "google", "gooegl", "cat", "act", "tac", "dog"]
    for g in sorted(group_anagrams(words), key=len, reverse=True):
        print(g)
    print(is_anagram("Dormitory", "dirty room"))
