"""Warehouse: DuckDB access and publishing, full-text search, the HTML report.

Dagster-free."""
