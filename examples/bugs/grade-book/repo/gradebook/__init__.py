"""Course grade book: weighted category averages and letter grades."""
