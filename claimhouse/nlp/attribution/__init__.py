"""A trained attribution model (PolNeAR's train split): a CRF tagger over the spaCy parse the analyse step
already has, with the rules' own attributions among its features, and a linking step that groups the
tagged sources, cues and contents into attributions.

    features.py  token features of a parsed document, one sequence per paragraph
    brat.py      PolNeAR's brat standoff files as per-token labels (training) and as attributions (scoring)
    model.py     the shipped model: load it, tag a document, link the spans, make Claims
    train.py     rebuild the model from the train split (``claimhouse train-attributions``)

Nothing here imports Dagster.
"""
