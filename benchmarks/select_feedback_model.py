"""Choose the sentiment model's settings by cross-validation on the training part only.

    flock /work/notes/bench.lock .venv/bin/python benchmarks/select_feedback_model.py

The same fixed split as ``bench_feedback.py`` (stratified, 25 % test, ``random_state=0``); the
test part is never read here. On each language's training part: stratified 5-fold
cross-validation of every feature set (word and character grams, accents folded, with and
without elongation cut and negation marks, other gram ranges, the lexicon and punctuation
signals beside them, balanced or unweighted classes) at each ``C`` of the logistic regression.
The settings kept in ``recorrido.feedback.sentiment.SETTINGS`` are those with the best mean
macro-F1 over the two languages (``best_settings`` in the JSON, which ``bench_feedback.py
--settings`` can read). Writes ``benchmarks/results/feedback_selection.md``
and ``.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_feedback import load  # noqa: E402
from recorrido.feedback.features import features, prepare  # noqa: E402
from recorrido.feedback.sentiment import SETTINGS  # noqa: E402

#: Feature sets tried (each replaces some of SETTINGS); "before" is the model shipped until now.
#: The rows of an earlier run that this one does not make again (the first run's ``before``,
#: ``elongation+negation``, ``elongation, char 2-5`` and C = 2) are carried from its JSON, marked.
FEATURE_SETS: dict[str, dict] = {
    "elongation": {"elongation": True},
    "elongation, class_weight=None": {"elongation": True, "class_weight": None},
    "elongation+lexicon 0.3": {"elongation": True, "lexicon_weight": 0.3},
    "elongation+lexicon 1": {"elongation": True, "lexicon_weight": 1.0},
    "elongation+punctuation 0.3": {"elongation": True, "punctuation_weight": 0.3},
    "elongation+lexicon+punctuation 0.3": {
        "elongation": True,
        "lexicon_weight": 0.3,
        "punctuation_weight": 0.3,
    },
}
C_VALUES = (0.5, 1.0)
FOLDS = 5


def training_part(language: str) -> tuple[list[str], list[str]]:
    frame = load(language)
    texts = frame.text.tolist()
    labels = frame.airline_sentiment.astype(str).tolist()
    train_x, _, train_y, _ = train_test_split(
        texts, labels, test_size=0.25, random_state=0, stratify=labels
    )
    return train_x, train_y


def cross_validate(texts: list[str], labels: list[str]) -> dict:
    y = np.array(labels, dtype=object)
    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    found: dict = {}
    for name, change in FEATURE_SETS.items():
        settings = {**SETTINGS, **change}
        prepared = np.array(
            [prepare(t, elongation=settings["elongation"]) for t in texts], dtype=object
        )
        predicted = {c: np.empty(len(y), dtype=object) for c in C_VALUES}
        per_text = []
        for train, test in splitter.split(prepared, y):
            union = features(settings).fit(prepared[train])
            x_train = union.transform(prepared[train])
            started = time.process_time()
            x_test = union.transform(prepared[test])
            per_text.append((time.process_time() - started) / len(test))
            for c in C_VALUES:
                model = LogisticRegression(
                    C=c, class_weight=settings["class_weight"], max_iter=2000
                ).fit(x_train, y[train])
                predicted[c][test] = model.predict(x_test)
        for c in C_VALUES:
            found[f"{name} | C={c:g}"] = {
                "macro_f1": round(float(f1_score(y, predicted[c], average="macro")), 4),
                "features_per_cpu_second": int(1 / np.mean(per_text)),
            }
        print(name, {c: found[f"{name} | C={c:g}"]["macro_f1"] for c in C_VALUES}, flush=True)
    return found


def earlier_results(path: Path) -> dict:
    """The rows of the previous run that this one does not make again (marked "earlier run")."""
    if not path.exists():
        return {"es": {}, "en": {}}
    previous = json.loads(path.read_text())["results"]
    marker = " (earlier run)"
    kept: dict = {"es": {}, "en": {}}
    for language in kept:
        for key, row in previous.get(language, {}).items():
            name, c = key.split(" | C=")
            name = name.removesuffix(marker)
            if name not in FEATURE_SETS or float(c) not in C_VALUES:
                kept[language][f"{name}{marker} | C={c}"] = row
    return kept


def main() -> None:
    load_before = os.getloadavg()
    earlier = earlier_results(ROOT / "benchmarks" / "results" / "feedback_selection.json")
    results = {}
    for language in ("es", "en"):
        texts, labels = training_part(language)
        results[language] = {**earlier[language], **cross_validate(texts, labels)}
    mean = {
        key: round((results["es"][key]["macro_f1"] + results["en"][key]["macro_f1"]) / 2, 4)
        for key in results["es"]
    }
    best = max(mean, key=mean.get)
    name, c = best.split(" | C=")
    if name not in FEATURE_SETS:
        raise SystemExit(f"the best is a set of the earlier run ({best}): add it to FEATURE_SETS")
    chosen = {**SETTINGS, **FEATURE_SETS[name], "C": float(c)}
    meta = {
        "command": "flock /work/notes/bench.lock .venv/bin/python "
        "benchmarks/select_feedback_model.py",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "best": best,
        "best_settings": {k: list(v) if isinstance(v, tuple) else v for k, v in chosen.items()},
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "results": results, "mean": mean}
    (out / "feedback_selection.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        f"# Sentiment model settings, by {FOLDS}-fold cross-validation on the training part",
        "",
        f"Command: `{meta['command']}` — {meta['date']}, "
        f"load {meta['load_before']} → {meta['load_after']}. Best: **{best}**.",
        "",
        "| features | C | es macro-F1 | en macro-F1 | mean | es features/CPU-s |",
        "|---|---|---|---|---|---|",
    ]
    for key in results["es"]:
        name, c = key.split(" | C=")
        lines.append(
            f"| {name} | {c} | {results['es'][key]['macro_f1']:.4f} | "
            f"{results['en'][key]['macro_f1']:.4f} | {mean[key]:.4f} | "
            f"{results['es'][key]['features_per_cpu_second']:,} |"
        )
    (out / "feedback_selection.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
