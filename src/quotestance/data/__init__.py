"""Converters from the raw public datasets to quotestance records, with schemas and splits."""
