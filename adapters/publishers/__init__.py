"""Publishers: where a validated fix goes (`local`: a branch in the repository)."""
