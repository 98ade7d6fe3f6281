"""Tally yes/no answers from the staff survey export."""
