import re
from collections import Counter

STOP_WORDS = {"the", "a", "an", "and", "of", "to", "in", "is", "it"}


def words(text):
    return re.findall(r"[a-z']+", text.lower())


def top_words(text, n=3, skip_stop_words=True):
    counts = Counter(w for w in words(text) if not (skip_stop_words and w in STOP_WORDS))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


TEXT = """It was the best of times, it was the worst of times, it was the age of wisdom,
it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity"""

if __name__ == "__main__":
    for word, count in top_words(TEXT, 5):
        print(f"{word:12} {count}")
