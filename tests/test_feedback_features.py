"""The sentiment model's features: the fast TF-IDF must give scikit-learn's matrix exactly, its
grams must be scikit-learn's, and the Spanish lexicon's compiled stems the listed ones."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from recorrido.feedback import lexicon_es
from recorrido.feedback.features import (
    FastTfidf,
    Signals,
    char_grams,
    prepare,
    word_char_grams,
    word_grams,
)
from recorrido.feedback.sentiment import train_model

TEXTS = [
    "¡El vuelo salió con 3 horas de RETRASO! Nunca más @Iberia http://t.co/x",
    "Muuuuy buena atención, gracias al equipo de cabina 😍",
    "No me devolvieron el dinero, ni una respuesta. Fatal.",
    "The flight was great, thanks!!! crew were lovely",
    "I can't believe they lost my bag again… worst airline",
    "cancelación sin aviso; tampoco hubo reembolso",
    "ok",
    "",
]
MORE = [
    "el equipaje llegó roto y nadie responde",
    "great crew, on time, clean cabin",
    "retraso de 2 horas sin explicación",
    "no volveré a volar con ellos",
    "atención perfecta, gracias",
    "bag lost, no answer from support",
]


def test_prepare_folds_case_accents_links_handles_and_elongation():
    assert prepare(TEXTS[0]) == ("¡el vuelo salio con 3 horas de retraso! nunca mas @user url")
    assert prepare(TEXTS[1]).startswith("muuy buena atencion")
    assert prepare(TEXTS[1], elongation=False).startswith("muuuuy buena atencion")
    assert prepare(None) == "" and prepare("   ") == ""


def test_grams_are_scikit_learns():
    words = TfidfVectorizer(ngram_range=(1, 2), lowercase=False).build_analyzer()
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False)
    chars = chars.build_analyzer()
    for text in map(prepare, TEXTS + MORE):
        assert word_grams(text) == words(text)
        # scikit-learn counts a word shorter than the longest gram twice; ours once.
        if all(len(w) >= 3 for w in text.split()):
            assert sorted(char_grams(text)) == sorted(chars(text))
    assert word_char_grams("de", low=2, high=4) == [" d", "de", "e ", " de", "de ", " de "]


def test_negation_marks_the_words_after_a_negator_up_to_punctuation():
    grams = word_grams("no me gusta nada, pero bien", negation=True)
    assert grams[:6] == ["no", "neg_me", "neg_gusta", "neg_nada", "pero", "bien"]
    assert "neg_bien" not in grams


@pytest.mark.parametrize("per_word", [None, word_char_grams])
def test_fast_transform_is_scikit_learns_transform(per_word):
    analyzer = char_grams if per_word else word_grams
    texts = [prepare(t) for t in TEXTS + MORE]
    fitted = FastTfidf(analyzer, per_word=per_word, min_df=1).fit(texts[:8])
    for batch in (texts[8:], texts, texts[3:5]):  # unseen words, seen words, twice
        fast = fitted.transform(batch)
        slow = fitted.vectorizer_.transform(batch)
        assert fast.shape == slow.shape
        assert np.abs((fast - slow).toarray()).max() < 1e-12
    # A text with no known gram is a row of zeros, not an error.
    assert fitted.transform([""]).nnz == 0
    if per_word is None:
        assert fitted.transform(["zzzzqqq"]).nnz == 0


def test_the_model_still_learns_and_scores_both_languages():
    texts = (MORE + TEXTS[:6]) * 4
    labels = [
        *["negative", "positive", "negative", "negative", "positive", "negative"],
        *["negative", "positive", "negative", "positive", "negative", "negative"],
    ] * 4
    model = train_model(texts, labels, evaluate=False)
    found, scores = model.score(["gracias, atención perfecta", "lost bag, no answer"])
    assert found == ["positive", "negative"]
    assert scores[0] > 0 > scores[1]


def test_compiled_stems_match_the_listed_stems():
    for word in ["retrasado", "gracias", "perfectamente", "vuelo", "cancelaron", "buenísimo"]:
        negative = any(word.startswith(s) for s in lexicon_es.NEGATIVE_STEMS)
        positive = any(word.startswith(s) for s in lexicon_es.POSITIVE_STEMS)
        assert lexicon_es._polarity(word) == (-1 if negative else 1 if positive else 0)


def test_spanish_counts_add_up_to_the_lexicon_score():
    for text in TEXTS + MORE:
        positive, negative = lexicon_es.spanish_counts(text)
        assert lexicon_es.spanish_score(text) == pytest.approx(np.tanh((positive - negative) / 2))
    # "no" flips the next words: "no es bueno" is one negative hit, not a positive one.
    assert lexicon_es.spanish_counts("no es bueno") == (0, 1)
    assert lexicon_es.spanish_counts("excelente servicio, gracias") == (2, 0)


def test_signals_are_standardised_on_training_texts_and_say_the_polarity():
    texts = [prepare(t) for t in TEXTS + MORE]
    signals = Signals(lexicon=True, punctuation=True, weight=0.5).fit(texts)
    fitted = signals.transform(texts).toarray()
    assert fitted.shape == (len(texts), 4 + 5)
    assert np.abs(fitted.mean(axis=0)).max() < 1e-9
    good, bad = signals.transform(["excelente, gracias!! :)", "horrible, perdieron todo :("])
    good, bad = good.toarray().ravel(), bad.toarray().ravel()
    assert good[0] > bad[0] and good[1] < bad[1]  # Spanish positive / negative hits
    assert good[3] > bad[3]  # VADER's compound
    assert good[6] > bad[6] and good[7] > bad[7] and good[8] < bad[8]  # !!, :) and :(


def test_the_model_learns_with_lexicon_and_punctuation_signals():
    texts = (MORE + TEXTS[:6]) * 4
    labels = [
        *["negative", "positive", "negative", "negative", "positive", "negative"],
        *["negative", "positive", "negative", "positive", "negative", "negative"],
    ] * 4
    settings = {"lexicon_weight": 0.3, "punctuation_weight": 0.3}
    model = train_model(texts, labels, evaluate=False, settings=settings)
    assert len(model.pipeline.steps[0][1].transformer_list) == 4
    found, _ = model.score(["gracias, atención perfecta", "lost bag, no answer"])
    assert found == ["positive", "negative"]
