import string
from collections import Counter

ENGLISH_FREQ_ORDER = "etaoinshrdlcumwfgypbvkjxqz"


def shift_char(ch, k):
    if ch in string.ascii_lowercase:
        return chr((ord(ch) - 97 + k) % 26 + 97)
    if ch in string.ascii_uppercase:
        return chr((ord(ch) - 65 + k) % 26 + 65)
    return ch


def encrypt(text, key):
    return "".join(shift_char(c, key) for c in text)


def decrypt(text, key):
    return encrypt(text, -key)


def crack(ciphertext):
    """Guess the key by assuming the most common letter stands for 'e'."""
    letters = [c.lower() for c in ciphertext if c.isalpha()]
    if not letters:
        return 0
    most_common = Counter(letters).most_common(1)[0][0]
    return (ord(most_common) - ord("e")) % 26


if __name__ == "__main__":
    secret = encrypt("Meet me near the old tree at seven", 11)
    print(secret)
    key = crack(secret)
    print(key, decrypt(secret, key))
