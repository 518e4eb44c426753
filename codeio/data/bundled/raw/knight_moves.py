from collections import deque

JUMPS = [(1, 2), (2, 1), (2, -1), (1, -2), (-1, -2), (-2, -1), (-2, 1), (-1, 2)]


def parse_square(name):
    return ord(name[0]) - ord("a"), int(name[1:]) - 1


def knight_distance(src, dst, size=8, blocked=()):
    start, goal = parse_square(src), parse_square(dst)
    blocked = {parse_square(b) for b in blocked}
    seen = {start: 0}
    q = deque([start])
    while q:
        x, y = q.popleft()
        if (x, y) == goal:
            return seen[(x, y)]
        for dx, dy in JUMPS:
            nx, ny = x + dx, y + dy
            if 0 <= nx < size and 0 <= ny < size and (nx, ny) not in seen and (nx, ny) not in blocked:
                seen[(nx, ny)] = seen[(x, y)] + 1
                q.append((nx, ny))
    return None


if __name__ == "__main__":
    print(knight_distance("a1", "h8"))
    print(knight_distance("a1", "b2"))
    print(knight_distance("a1", "c2", blocked=["b3", "c2"]))
