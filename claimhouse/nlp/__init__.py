"""NLP: the spaCy parse, claims (rules and the trained attribution model), quantities, entities.

Dagster-free."""
