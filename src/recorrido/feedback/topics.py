"""What customers talk about: topics (TF-IDF + NMF, named by their top words, with quotes), and
the words that set detractors apart from promoters (weighted log-odds with an informative
Dirichlet prior, Monroe, Colaresi & Quinn 2008)."""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from recorrido.feedback.language import stopwords

_TOKEN = re.compile(r"(?u)\b[^\W\d_][^\W\d_]+\b")
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+|#")
MAX_QUOTE = 240
#: Fewer texts than this make no topics (NMF on a handful of texts names noise).
MIN_TEXTS = 10


def clean(text: str | None) -> str:
    return _NOISE.sub(" ", (text or "").lower())


def tokens(text: str | None) -> list[str]:
    stop = stopwords(None)
    return [w for w in _TOKEN.findall(clean(text)) if w not in stop and w not in _EXTRA_STOP]


_EXTRA_STOP = frozenset({"url", "user", "rt", "amp", "dm", "si", "va", "ok", "pm", "get", "im"})


@dataclass
class Topic:
    id: int
    name: str
    words: list[str]
    share: float
    texts: int
    quotes: list[str] = field(default_factory=list)
    #: How many of its texts are negative (filled in by the emotion curve, which has sentiment).
    negative: int = 0

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "words": self.words,
            "share": round(self.share, 4),
            "texts": self.texts,
            "negative": self.negative,
            "quotes": self.quotes,
        }


def find_topics(texts: list[str], *, max_topics: int = 8, seed: int = 0):
    """``(topics, assignment)``: the topics of ``texts`` and each text's main topic id (-1 when
    the text holds none of the topic words)."""
    if len(texts) < MIN_TEXTS:
        return [], [-1] * len(texts)
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        tokenizer=tokens,
        lowercase=False,
        token_pattern=None,
        min_df=2,
        max_df=0.9,
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stopwords
        return [], [-1] * len(texts)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    k = max(1, min(max_topics, len(texts) // 20 or 1, matrix.shape[1] - 1))
    if matrix.shape[1] < 2:
        return [], [-1] * len(texts)
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    with warnings.catch_warnings():  # NMF's loss on tiny corpora may take sqrt of -0.0
        warnings.simplefilter("ignore", RuntimeWarning)
        weights = model.fit_transform(matrix)
    assignment = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    # Components with the same top words are one topic told twice (more components than themes).
    named: dict[str, int] = {}
    for index, component in enumerate(model.components_):
        top = tuple(vocabulary[np.argsort(component)[::-1][:3]].tolist())
        named.setdefault(" · ".join(top), index)
        assignment[assignment == index] = named[" · ".join(top)]
    topics = []
    for number, (name, index) in enumerate(named.items()):
        top = vocabulary[np.argsort(model.components_[index])[::-1][:5]].tolist()
        members = np.flatnonzero(assignment == index)
        best = members[np.argsort(weights[members, index])[::-1][:2]]
        quotes = [_quote(texts[i]) for i in best]
        topics.append(Topic(number, name, top, len(members) / len(texts), len(members), quotes))
        assignment[assignment == index] = -2 - number  # renumbered below, after every merge
    assignment = np.where(assignment <= -2, -2 - assignment, -1)
    return topics, assignment.tolist()


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def distinguishing_words(
    first: list[str], second: list[str], *, prior_size: float = 500.0, top: int = 10
) -> dict:
    """Words over-used in ``first`` (e.g. detractors) and in ``second`` (promoters): weighted
    log-odds with an informative Dirichlet prior (the pooled word frequencies, scaled to
    ``prior_size`` pseudo-counts) and their z-scores; only |z| > 1.96 is reported."""
    a = Counter(w for t in first for w in tokens(t))
    b = Counter(w for t in second for w in tokens(t))
    pooled = a + b
    total = sum(pooled.values())
    if not total or not a or not b:
        return {"first": [], "second": []}
    n_a, n_b = sum(a.values()), sum(b.values())
    scale = prior_size / total
    rows = []
    for word, count in pooled.items():
        alpha = count * scale
        ya, yb = a[word], b[word]
        delta = math.log((ya + alpha) / (n_a + prior_size - ya - alpha)) - math.log(
            (yb + alpha) / (n_b + prior_size - yb - alpha)
        )
        z = delta / math.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
        rows.append((z, word, ya, yb))
    rows.sort()
    second_words = [_word(r) for r in rows[:top] if r[0] < -1.96]
    first_words = [_word(r) for r in reversed(rows[-top:]) if r[0] > 1.96]
    return {"first": first_words, "second": second_words}


def _word(row) -> dict:
    z, word, ya, yb = row
    return {"word": word, "z": round(z, 2), "count_first": ya, "count_second": yb}
