"""Model-free program repair: ranked candidate edits of a Python file from its suspicious lines."""
