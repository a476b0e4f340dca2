"""Pages (being built)."""
