"""Models that propose diffs: `scripted` (replays prepared diffs)."""
