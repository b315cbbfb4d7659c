"""The live catalogue: TVmaze sync, identity of synced shows, and the curated layer on top."""
