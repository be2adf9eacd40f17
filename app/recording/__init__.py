"""Record and replay: the snapshots a dashboard receives, kept in a SQLite file and played back later (issue 14)."""
