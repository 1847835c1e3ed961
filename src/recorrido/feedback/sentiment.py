"""Sentiment of a text: a model trained on the team's own labels, or an offline lexicon.

**Trained** (the default wherever labels exist): TF-IDF of word 1–2-grams and of character 1–4
grams inside words (accents folded, so "cancelación" and "cancelacion" meet; runs of a letter cut
to two; character grams catch inflections, misspellings and emoji; made fast by
:mod:`recorrido.feedback.features`), beside a few standardised numbers (the lexicons' verdicts:
Spanish positive / negative hits and VADER's compound; "!", "?", "!!", smileys and frowns),
then logistic regression (C = 1) with balanced class weights (complaints outnumber praise in
most feedback). It is evaluated by stratified k-fold
cross-validation on the same labels before the final fit, and the figures travel with the model.

**Lexicon** (when no labels exist): VADER for English, the hand-written stems of
:mod:`recorrido.feedback.lexicon_es` for Spanish; a text of unknown language takes whichever
analyser is more certain. Its measured accuracy is in ``docs/feedback.md``.

``sentiment_score`` is in [-1, 1]: for the model P(positive) − P(negative), for the
lexicon VADER's compound score or the Spanish polarity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from recorrido.feedback.features import features, prepare
from recorrido.feedback.labels import LABELS
from recorrido.feedback.lexicon_es import spanish_score

#: Fewer labels than this (or fewer than this many per class, see MIN_PER_CLASS) are not enough
#: to train and evaluate a model: the lexicon is used instead.
MIN_LABELS = 40
MIN_PER_CLASS = 5
FOLDS = 5
#: Lexicon scores at or beyond these are positive / negative (VADER's documented threshold).
LEXICON_THRESHOLD = 0.05

#: The model's settings: the best mean macro-F1 (Spanish and English) of stratified 5-fold
#: cross-validation on the training part of the airline tweets only
#: (``benchmarks/select_feedback_model.py``; the test split played no part). The TF-IDF sets
#: tried were within 0.006 of each other; the lexicon and punctuation signals (weight 0.3 each)
#: added 0.006 in Spanish and 0.003 in English (CV means); see docs/feedback.md.
SETTINGS: dict = {
    "word_ngrams": (1, 2),
    "word_min_df": 1,
    "negation": False,
    "char_ngrams": (1, 4),
    "char_min_df": 2,
    "elongation": True,
    "C": 1.0,
    "class_weight": "balanced",
    "lexicon_weight": 0.3,
    "punctuation_weight": 0.3,
}


def _pipeline(settings: dict | None = None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    settings = {**SETTINGS, **(settings or {})}
    classifier = LogisticRegression(
        C=settings["C"], class_weight=settings["class_weight"], max_iter=2000
    )
    return make_pipeline(features(settings), classifier)


@dataclass
class SentimentModel:
    """A fitted pipeline with its cross-validated figures; :meth:`score` labels new texts."""

    pipeline: object
    language: str | None
    labels_used: int
    class_counts: dict[str, int]
    cross_validation: dict = field(default_factory=dict)
    settings: dict = field(default_factory=lambda: dict(SETTINGS))

    def score(self, texts: list[str | None]) -> tuple[list[str], list[float]]:
        if not texts:
            return [], []
        elongation = self.settings["elongation"]
        prepared = [prepare(t, elongation=elongation) for t in texts]
        probabilities = np.asarray(self.pipeline.predict_proba(prepared))
        classes = list(self.pipeline.classes_)
        labels = [classes[i] for i in probabilities.argmax(axis=1)]
        scores = np.zeros(len(texts))
        if "positive" in classes:
            scores += probabilities[:, classes.index("positive")]
        if "negative" in classes:
            scores -= probabilities[:, classes.index("negative")]
        return labels, [float(s) for s in scores]

    def describe(self) -> dict:
        return {
            "method": "trained",
            "language": self.language,
            "labels_used": self.labels_used,
            "class_counts": self.class_counts,
            "cross_validation": self.cross_validation,
        }


def can_train(labels: list[str]) -> bool:
    counts = {label: labels.count(label) for label in set(labels)}
    return (
        len(labels) >= MIN_LABELS
        and len(counts) >= 2
        and all(count >= MIN_PER_CLASS for count in counts.values())
    )


def train_model(
    texts: list[str],
    labels: list[str],
    *,
    language: str | None = None,
    folds: int = FOLDS,
    seed: int = 0,
    evaluate: bool = True,
    settings: dict | None = None,
) -> SentimentModel:
    """Cross-validate (stratified ``folds``) then fit on all ``texts``/``labels``; ``settings``
    replace some of :data:`SETTINGS` (to choose them: benchmarks/select_feedback_model.py)."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    settings = {**SETTINGS, **(settings or {})}
    prepared = np.array(
        [prepare(t, elongation=settings["elongation"]) for t in texts], dtype=object
    )
    y = np.array(labels, dtype=object)
    counts = {label: int((y == label).sum()) for label in LABELS if (y == label).any()}
    report: dict = {}
    if evaluate:
        k = max(2, min(folds, min(counts.values())))
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        predicted = cross_val_predict(_pipeline(settings), prepared, y, cv=splitter)
        per_fold = []
        for _, test in splitter.split(prepared, y):
            per_fold.append(f1_score(y[test], predicted[test], average="macro"))
        report = {
            "folds": k,
            "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
            "macro_f1_sd": round(float(np.std(per_fold)), 4),
            "accuracy": round(float(accuracy_score(y, predicted)), 4),
            "majority_accuracy": round(max(counts.values()) / len(y), 4),
        }
    pipeline = _pipeline(settings).fit(prepared, y)
    return SentimentModel(pipeline, language, len(y), counts, report, settings)


# -- the lexicon fallback ------------------------------------------------------------------------
_vader = None


def _vader_score(text: str) -> float:
    global _vader
    if _vader is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _vader = SentimentIntensityAnalyzer()
    return float(_vader.polarity_scores(text)["compound"])


def lexicon_score(text: str | None, language: str | None) -> float:
    """VADER (English), the Spanish stems (Spanish) or the more certain of both (unknown)."""
    if not text:
        return 0.0
    if language == "en":
        return _vader_score(text)
    if language == "es":
        return spanish_score(text)
    both = (_vader_score(text), spanish_score(text))
    return max(both, key=abs)


def lexicon_label(score: float) -> str:
    if score >= LEXICON_THRESHOLD:
        return "positive"
    if score <= -LEXICON_THRESHOLD:
        return "negative"
    return "neutral"


def lexicon_sentiment(
    texts: list[str | None], languages: list[str | None]
) -> tuple[list[str], list[float]]:
    scores = [lexicon_score(t, lang) for t, lang in zip(texts, languages, strict=True)]
    return [lexicon_label(s) for s in scores], scores


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
