"""A tiny command-line notebook."""
