class Vigenere:
    def __init__(self, key):
        if not key.isalpha():
            raise ValueError("key must be letters only")
        self.shifts = [ord(k) - ord("A") for k in key.upper()]

    def _apply(self, text, sign):
        out = []
        i = 0
        for ch in text:
            if ch.isalpha() and ch.isascii():
                base = ord("A") if ch.isupper() else ord("a")
                shift = self.shifts[i % len(self.shifts)] * sign
                out.append(chr((ord(ch) - base + shift) % 26 + base))
                i += 1  # the key only advances on letters
            else:
                out.append(ch)
        return "".join(out)

    def encrypt(self, text):
        return self._apply(text, 1)

    def decrypt(self, text):
        return self._apply(text, -1)


if __name__ == "__main__":
    v = Vigenere("LEMON")
    c = v.encrypt("Attack at dawn!")
    print(c)
    print(v.decrypt(c))
