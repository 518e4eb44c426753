# One-dimensional cellular automata (Wolfram's elementary rules) with wrap-around edges.


def rule_table(rule):
    return {tuple(int(b) for b in f"{i:03b}"): (rule >> i) & 1 for i in range(8)}


def evolve(cells, rule, steps):
    table = rule_table(rule)
    history = [cells]
    for _ in range(steps):
        n = len(cells)
        cells = [table[(cells[i - 1], cells[i], cells[(i + 1) % n])] for i in range(n)]
        history.append(cells)
    return history


def render(history):
    return "\n".join("".join("█" if c else " " for c in row) for row in history)


if __name__ == "__main__":
    width = 31
    start = [0] * width
    start[width // 2] = 1
    print(render(evolve(start, 90, 15)))
