"""Helpers every floor may use: atomic file writes, words in messages, the version."""
