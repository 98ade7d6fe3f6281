"""Score a ten-pin bowling game from the pins knocked down by each roll.

A strike scores 10 plus the next two rolls, a spare 10 plus the next roll; the tenth frame gets its bonus
rolls in the same list. Frames whose bonus rolls have not been bowled yet are not scored yet.
"""

FRAMES = 10
PINS = 10


class Game:
    def __init__(self, rolls=()):
        self.rolls = []
        for pins in rolls:
            self.roll(pins)

    def roll(self, pins):
        if not isinstance(pins, int) or not 0 <= pins <= PINS:
            raise ValueError(f"a roll knocks down 0-{PINS} pins, not {pins!r}")
        self.rolls.append(pins)

    def _is_strike(self, i):
        return self.rolls[i] == PINS

    def _is_spare(self, i):
        return i + 1 < len(self.rolls) and self.rolls[i] + self.rolls[i + 1] == PINS

    def _known(self, i, count):
        """True when the `count` rolls starting at index i have been bowled."""
        return i + count <= len(self.rolls)

    def frame_scores(self):
        """Running total after each frame that can be scored so far."""
        totals = []
        total = 0
        i = 0
        for _ in range(FRAMES):
            if not self._known(i, 1):
                break
            if self._is_strike(i):
                if not self._known(i, 3):
                    break
                total += PINS + self.rolls[i + 1] + self.rolls[i + 2]
                i += 1
            elif self._is_spare(i):
                if not self._known(i, 3):
                    break
                total += PINS + self.rolls[i + 1]
                i += 2
            else:
                if not self._known(i, 2):
                    break
                frame = self.rolls[i] + self.rolls[i + 1]
                if frame > PINS:
                    raise ValueError(f"frame {len(totals) + 1} knocks down {frame} pins")
                total += frame
                i += 2
            totals.append(total)
        return totals

    def score(self):
        totals = self.frame_scores()
        return totals[-1] if totals else 0

    def is_complete(self):
        return len(self.frame_scores()) == FRAMES
