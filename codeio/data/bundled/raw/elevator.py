"""A single elevator using the SCAN ("elevator") algorithm."""


class Elevator:
    def __init__(self, floors, start=0):
        self.floors = floors
        self.position = start
        self.direction = 1
        self.travelled = 0
        self.log = []

    def serve(self, requests):
        pending = sorted(set(requests))
        while pending:
            ahead = [f for f in pending if (f - self.position) * self.direction >= 0]
            if not ahead:
                self.direction *= -1
                continue
            target = min(ahead, key=lambda f: abs(f - self.position))
            self.travelled += abs(target - self.position)
            self.position = target
            self.log.append(target)
            pending.remove(target)
        return self.log


if __name__ == "__main__":
    lift = Elevator(floors=20, start=7)
    order = lift.serve([3, 12, 9, 1, 15, 7])
    print("stops:", order)
    print("floors travelled:", lift.travelled)
