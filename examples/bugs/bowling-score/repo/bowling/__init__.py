"""Ten-pin bowling scoring for the lane display."""
