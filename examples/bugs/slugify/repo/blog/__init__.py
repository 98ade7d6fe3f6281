"""Blog publishing helpers."""
