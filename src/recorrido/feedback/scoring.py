"""Sentiment for every feedback row: the verdict a row carries, else a model, else a lexicon.

A row with a label (the team's, or the one its score implies) keeps it. The texts without one
are scored, per detected language, by a model trained on that language's labelled texts when
there are enough (:func:`recorrido.feedback.sentiment.can_train`), otherwise by the lexicon.
Texts of unknown language go to the model with the most labels. The model is retrained at each
ingest on all labelled feedback (labels only grow), and its cross-validated figures are saved in
the workspace as ``feedback_sentiment.json`` and returned in the ingest's counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from recorrido.feedback.sentiment import can_train, lexicon_sentiment, train_model

SUMMARY_FILE = "feedback_sentiment.json"


def score_all(frame: pd.DataFrame, folder: Path | None) -> tuple[pd.DataFrame, dict]:
    frame = frame.copy()
    has_text = frame["text"].notna()
    labelled = frame["label"].notna()
    languages = frame["language"].where(frame["language"].notna(), None)
    models = {}
    summary: dict = {}
    for language in ("es", "en"):
        train = frame[labelled & has_text & (languages == language)]
        labels = train["label"].tolist()
        if can_train(labels):
            models[language] = train_model(train["text"].tolist(), labels, language=language)
            summary[language] = models[language].describe()
    fallback = max(models.values(), key=lambda m: m.labels_used) if models else None
    todo = frame[~labelled & has_text]
    for language, group in todo.groupby(languages[todo.index].fillna("unknown")):
        model = models.get(language) or (fallback if language == "unknown" else None)
        texts = group["text"].tolist()
        if model is not None:
            found, scores = model.score(texts)
            method = "trained"
        else:
            langs = [None if language == "unknown" else language] * len(texts)
            found, scores = lexicon_sentiment(texts, langs)
            method = "lexicon"
            summary.setdefault(language, {"method": "lexicon", "language": language})
        frame.loc[group.index, "sentiment"] = found
        frame.loc[group.index, "sentiment_score"] = scores
        frame.loc[group.index, "sentiment_method"] = method
        summary.setdefault(language, {}).setdefault("texts_scored", 0)
        summary[language]["texts_scored"] += len(texts)
    if folder is not None:
        (Path(folder) / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
    return frame, summary


def sentiment_summary(folder: Path | None) -> dict:
    """The figures saved by the last ingest (empty when none)."""
    if folder is None or not (Path(folder) / SUMMARY_FILE).exists():
        return {}
    return json.loads((Path(folder) / SUMMARY_FILE).read_text())
