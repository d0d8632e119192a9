"""The pipeline's steps over the warehouse, one module per layer: ``raw`` (scan) → ``staging`` (clean, dedup)
→ ``core`` (analyse, entity names) → ``stories`` (story links and clusters) → ``marts``; ``common`` holds
what they share.

Dagster-free: each step takes an open DuckDB connection, does only the work that
new or changed input needs (cost grows with new documents, not with the corpus),
processes documents in batches (on worker processes when there are many), and
returns counts of what it kept and what it sent to quarantine. The Dagster
assets in ``assets/`` are thin wrappers around these functions.
"""
