"""Package data: polarity lexicons and cue word lists (provenance in README.md here)."""
