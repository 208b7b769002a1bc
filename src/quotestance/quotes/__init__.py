"""Quotation detection and speaker attribution, learned from annotated documents."""

from quotestance.quotes.finder import QuoteFinder

__all__ = ["QuoteFinder"]
