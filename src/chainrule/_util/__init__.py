"""Helpers every floor may use: atomic file writes, words in messages, the version, what a
notebook displays (an SVG string, escaped HTML tables)."""
