"""Calendar helpers for the team planner."""
