"""Checks: great-expectations suites of every layer, and the gate that quarantines bad rows.

Dagster-free."""
