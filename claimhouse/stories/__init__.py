"""Stories: claim embeddings (all-MiniLM-L6-v2 on onnxruntime), the HNSW index, story clusters.

Dagster-free."""
