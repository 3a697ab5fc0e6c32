"""Small text helpers for the blog engine."""

from .slug import slugify

__all__ = ["slugify"]
