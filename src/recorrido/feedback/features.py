"""How a text becomes numbers for the sentiment model: TF-IDF of words and of character grams.

Scoring must keep up with thousands of texts a second on a small machine, and scikit-learn's
``TfidfVectorizer.transform`` spends most of its time in Python loops: one per character gram to
cut it, one per gram to look it up in the vocabulary (profiled: about 80 % of scoring). Here each
distinct word's character grams are cut and looked up once and remembered (words repeat far more
than texts), word grams are looked up through ``map(dict.get, ...)``, and the sparse matrix is
built by numpy: the same matrix as scikit-learn's ``transform`` (a test checks it), several
times faster.

Fitting (vocabulary, ``min_df``, inverse document frequencies) is scikit-learn's own, through a
``TfidfVectorizer`` whose analyzer is one of the functions below.

Texts arrive already prepared by :func:`prepare`: lower case, accents folded, links and @handles
replaced by placeholders, so each analyzer works on plain text once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import partial
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from recorrido.feedback.lexicon_es import spanish_counts

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
#: "muuuuy" and "muy" are one word to a reader; three or more of a letter become two.
_ELONGATED = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s+")


def _accent_table() -> dict[int, str]:
    # Latin letters with diacritics, folded as unicodedata's NFKD does (what scikit-learn's
    # strip_accents="unicode" does per text), but as one translate table applied in C.
    table = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        if folded != char:
            table[ord(char)] = folded
    return table


_FOLD = _accent_table()

#: Words that turn the meaning of what follows: the words after one, up to the next punctuation,
#: are marked (``no me gusta`` -> ``no neg_me neg_gusta``) for the word features.
_NEGATOR_WORDS = """no ni nunca jamas tampoco sin nada nadie ningun ninguna not never nor cannot
    cant dont doesnt didnt isnt wasnt arent werent wont wouldnt couldnt shouldnt havent hasnt"""
NEGATORS = frozenset(_NEGATOR_WORDS.split())
_CLAUSE = re.compile(r"[^.,;:!?¡¿()\n]+")


def prepare(text: str | None, *, elongation: bool = True) -> str:
    """Lower case, accents folded, links and @handles as placeholders (they name brands, not
    feelings), runs of one letter cut to two, spaces single."""
    if not text:
        return ""
    text = _MENTION.sub(" @user ", _URL.sub(" url ", str(text).lower())).translate(_FOLD)
    if elongation:
        text = _ELONGATED.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def _mark_clause(clause: str) -> str:
    words = clause.replace("'", "").split()
    out, negated = [], False
    for word in words:
        out.append("neg_" + word if negated else word)
        if word in NEGATORS:
            negated = True
    return " ".join(out)


def word_grams(text: str, *, low: int = 1, high: int = 2, negation: bool = False) -> list[str]:
    """Word n-grams (words of two or more letters, as scikit-learn's default token pattern)."""
    if negation:
        text = " , ".join(_mark_clause(c.group()) for c in _CLAUSE.finditer(text))
    tokens = _WORD.findall(text)
    grams = tokens if low == 1 else []
    for n in range(max(low, 2), high + 1):
        grams = grams + list(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
    return grams


def word_char_grams(word: str, *, low: int = 1, high: int = 4) -> list[str]:
    """Character n-grams of one word padded with a space on either side (scikit-learn's
    ``char_wb``, without its habit of counting a word shorter than ``high`` twice)."""
    padded = f" {word} "
    size = len(padded)
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(size - n + 1)]


def char_grams(text: str, *, low: int = 1, high: int = 4) -> list[str]:
    """Character n-grams inside the words of ``text`` (see :func:`word_char_grams`)."""
    grams: list[str] = []
    for word in text.split():
        grams += word_char_grams(word, low=low, high=high)
    return grams


#: Words whose known columns are remembered by a fitted :class:`FastTfidf` (cleared beyond).
_WORD_CACHE_SIZE = 200_000


class FastTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF of ``analyzer``'s grams: fitted by scikit-learn, transformed by numpy.

    With ``per_word`` (a function of one word, whose grams over a text's words are exactly
    ``analyzer``'s), each distinct word's known columns are found once and remembered: words
    repeat far more than texts do, so a text costs one look-up per word instead of one per gram.
    """

    def __init__(self, analyzer=word_grams, per_word=None, min_df=1, sublinear_tf=True):
        self.analyzer = analyzer
        self.per_word = per_word
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def fit(self, texts, y=None):
        self.vectorizer_ = TfidfVectorizer(
            analyzer=self.analyzer, min_df=self.min_df, sublinear_tf=self.sublinear_tf
        ).fit(texts)
        self.vocabulary_ = self.vectorizer_.vocabulary_
        self.idf_ = self.vectorizer_.idf_
        self.word_columns_: dict[str, list[int]] = {}
        return self

    def fit_transform(self, texts, y=None):
        return self.fit(texts).transform(texts)

    def transform(self, texts):
        texts = list(texts)
        if self.per_word is None:
            lengths, columns = self._columns_per_text(texts)
        else:
            lengths, columns = self._columns_per_word(texts)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        counts = sp.csr_matrix(
            (np.ones(len(columns)), columns, indptr), shape=(len(texts), len(self.idf_))
        )
        counts.sum_duplicates()
        if self.sublinear_tf:
            counts.data = np.log(counts.data) + 1
        counts.data *= self.idf_[counts.indices]
        return normalize(counts, copy=False)

    def _columns_per_text(self, texts):
        per_text = [self.analyzer(t) for t in texts]
        lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
        columns = np.fromiter(
            map(self.vocabulary_.get, chain.from_iterable(per_text), repeat(-1)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        known = columns >= 0
        if known.all():
            return lengths, columns
        rows = np.repeat(np.arange(len(texts)), lengths)[known]
        return np.bincount(rows, minlength=len(texts)), columns[known]

    def _columns_per_word(self, texts):
        words_per_text = [t.split() for t in texts]
        words = list(chain.from_iterable(words_per_text))
        remembered = self.word_columns_
        new = set(words).difference(remembered)
        if len(remembered) + len(new) > _WORD_CACHE_SIZE:
            remembered.clear()
            new = set(words)
        vocabulary = self.vocabulary_
        for word in new:
            grams = self.per_word(word)
            remembered[word] = [vocabulary[g] for g in grams if g in vocabulary]
        per_word = list(map(remembered.__getitem__, words))
        word_lengths = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        columns = np.fromiter(
            chain.from_iterable(per_word), dtype=np.int64, count=int(word_lengths.sum())
        )
        ends = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(word_lengths, out=ends[1:])
        bounds = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, words_per_text), dtype=np.int64), out=bounds[1:])
        return ends[bounds[1:]] - ends[bounds[:-1]], columns


#: Emoticons and emoji that say how the writer feels, where a word may not (text is lower case).
_SMILEY = re.compile(
    r"[:;=]-?[)dp\]]|<3|[\U0001F600-\U0001F60F\u2764\u2665\U0001F499\U0001F495\U0001F44D\U0001F44F\U0001F64F]"
)
_FROWN = re.compile(
    r"[:;=]-?[(/\\\[]|[\U0001F612\U0001F61E\U0001F620-\U0001F62B\U0001F62D\U0001F44E\U0001F92C]"
)
_vader = None


def lexicon_signals(text: str) -> list[float]:
    """The lexicons' verdicts as numbers: Spanish positive and negative hits (log), their
    polarity, and VADER's compound score (English words, emoticons)."""
    global _vader
    if _vader is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _vader = SentimentIntensityAnalyzer()
    positive, negative = spanish_counts(text)
    return [
        math.log1p(positive),
        math.log1p(negative),
        math.tanh((positive - negative) / 2),
        _vader.polarity_scores(text)["compound"] if text else 0.0,
    ]


def punctuation_signals(text: str) -> list[float]:
    """Exclamations, questions, "!!", smileys and frowns (log counts)."""
    return [
        math.log1p(text.count("!")),
        math.log1p(text.count("?")),
        float("!!" in text),
        math.log1p(len(_SMILEY.findall(text))),
        math.log1p(len(_FROWN.findall(text))),
    ]


class Signals(BaseEstimator, TransformerMixin):
    """A few dense per-text numbers (lexicon verdicts, punctuation), standardised on the
    training texts and multiplied by ``weight`` so that they sit beside the TF-IDF columns
    (each row of unit length) without drowning them."""

    def __init__(self, lexicon=True, punctuation=False, weight=0.3):
        self.lexicon = lexicon
        self.punctuation = punctuation
        self.weight = weight

    def _raw(self, texts) -> np.ndarray:
        rows = []
        for text in texts:
            row = lexicon_signals(text) if self.lexicon else []
            if self.punctuation:
                row += punctuation_signals(text)
            rows.append(row)
        return np.asarray(rows, dtype=float).reshape(len(rows), -1)

    def fit(self, texts, y=None):
        raw = self._raw(list(texts))
        self.mean_ = raw.mean(axis=0)
        self.scale_ = raw.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        return self

    def transform(self, texts):
        raw = self._raw(list(texts))
        return sp.csr_matrix(self.weight * (raw - self.mean_) / self.scale_)


def features(settings: dict):
    """The word and character TF-IDF blocks, side by side, as ``settings`` says, with the
    lexicon and punctuation signals when their weight is not zero."""
    from sklearn.pipeline import make_union

    words = partial(
        word_grams,
        low=settings["word_ngrams"][0],
        high=settings["word_ngrams"][1],
        negation=settings["negation"],
    )
    low, high = settings["char_ngrams"]
    chars = partial(char_grams, low=low, high=high)
    one_word = partial(word_char_grams, low=low, high=high)
    blocks = [
        FastTfidf(words, min_df=settings["word_min_df"]),
        FastTfidf(chars, per_word=one_word, min_df=settings["char_min_df"]),
    ]
    lexicon = settings.get("lexicon_weight", 0.0)
    punctuation = settings.get("punctuation_weight", 0.0)
    if lexicon:
        blocks.append(Signals(lexicon=True, weight=lexicon))
    if punctuation:
        blocks.append(Signals(lexicon=False, punctuation=True, weight=punctuation))
    return make_union(*blocks)
