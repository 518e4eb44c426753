from fractions import Fraction


class Matrix:
    def __init__(self, rows):
        self.rows = [list(r) for r in rows]
        self.n = len(self.rows)
        self.m = len(self.rows[0]) if self.rows else 0

    def __mul__(self, other):
        if self.m != other.n:
            raise ValueError("shape mismatch")
        return Matrix([[sum(self.rows[i][k] * other.rows[k][j] for k in range(self.m))
                        for j in range(other.m)] for i in range(self.n)])

    def transpose(self):
        return Matrix([list(col) for col in zip(*self.rows, strict=True)])

    def determinant(self):
        if self.n != self.m:
            raise ValueError("square matrices only")
        a = [[Fraction(x) for x in r] for r in self.rows]
        det = Fraction(1)
        for col in range(self.n):
            pivot = next((r for r in range(col, self.n) if a[r][col] != 0), None)
            if pivot is None:
                return Fraction(0)
            if pivot != col:
                a[col], a[pivot] = a[pivot], a[col]
                det = -det
            det *= a[col][col]
            for r in range(col + 1, self.n):
                f = a[r][col] / a[col][col]
                for c in range(col, self.n):
                    a[r][c] -= f * a[col][c]
        return det

    def __repr__(self):
        return "\n".join(" ".join(f"{x:4}" for x in r) for r in self.rows)


if __name__ == "__main__":
    a = Matrix([[2, 0, 1], [1, 3, 2], [1, 1, 1]])
    print(a * a.transpose())
    print("det:", a.determinant())
