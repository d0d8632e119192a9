"""Ingest: format detection and decoding of raw inputs, and the containers (WARC, JSON Lines) that hold many.

Dagster-free."""
