"""The version of chainrule, in one place (the package, saved models and the CLI read it)."""

__version__ = "0.1.0"
