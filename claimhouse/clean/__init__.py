"""Clean: body text and metadata of a page (trafilatura and the rules around it), dates, authors, near duplicates.

Dagster-free."""
