"""Metrics for every stage."""
