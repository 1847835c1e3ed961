"""Sentiment on the airline tweets (Spanish and English): majority baseline, lexicon fallback and
the trained model on one fixed split, plus language detection and scoring speed.

    .venv/bin/python benchmarks/bench_feedback.py

Data: ``../shared/data/airline_tweets_es_en`` (see its SOURCE.md). Spanish: the 7,867 labelled
tweets (UTF-16); English: the full 14,640-tweet file. Tweets whose text repeats are kept once
(retweets would otherwise sit on both sides of the split). Split: stratified, 25 % test,
``random_state=0``. Scoring speed: the test texts, on a fresh copy of the fitted model each of
five rounds, median wall and CPU time. Writes ``benchmarks/results/feedback.md`` and
``feedback.json``. Run it under ``flock /work/notes/bench.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from recorrido.feedback.language import detect_languages  # noqa: E402
from recorrido.feedback.sentiment import SETTINGS, lexicon_sentiment, train_model  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "airline_tweets_es_en"
ROUNDS = 5
FILES = {
    "es": ("tweets_public_es_spanish_airlines.csv", "utf-16"),
    "en": ("Tweets_us_airline_full_14640.csv", "utf-8"),
}


def load(language: str) -> pd.DataFrame:
    name, encoding = FILES[language]
    frame = pd.read_csv(DATA / name, encoding=encoding)
    frame = frame[["text", "airline_sentiment"]].dropna().drop_duplicates("text")
    return frame.reset_index(drop=True)


def figures(truth, predicted) -> dict:
    return {
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
    }


def run(language: str, settings: dict | None = None) -> dict:
    frame = load(language)
    texts = frame.text.tolist()
    labels = frame.airline_sentiment.astype(str).tolist()
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=0.25, random_state=0, stratify=labels
    )
    result: dict = {"rows": len(frame), "train": len(train_x), "test": len(test_x)}
    majority = max(set(train_y), key=train_y.count)
    result["majority"] = figures(test_y, [majority] * len(test_y))
    detected = detect_languages(test_x)
    result["language_detection"] = {
        "correct": round(float(np.mean([d == language for d in detected])), 4),
        "unknown": round(float(np.mean([d is None for d in detected])), 4),
        "wrong": round(float(np.mean([d not in (None, language) for d in detected])), 4),
    }
    lexicon, _ = lexicon_sentiment(test_x, [language] * len(test_x))
    result["lexicon"] = figures(test_y, lexicon)
    started = time.perf_counter()
    model = train_model(train_x, train_y, language=language, settings=settings)
    result["train_seconds"] = round(time.perf_counter() - started, 1)
    result["cross_validation_on_train"] = model.cross_validation
    predicted, _ = model.score(test_x)
    result["trained"] = figures(test_y, predicted)
    # Scoring speed on the test texts (distinct, unseen in training), each round on a fresh copy
    # of the fitted model: words met in training are known, the test's new words are not (as at
    # an ingest, which fits and then scores). Wall time depends on what else the machine runs,
    # so CPU time is given too; the median of the rounds is kept.
    walls, cpus = [], []
    for _ in range(ROUNDS):
        fresh = copy.deepcopy(model)
        wall, cpu = time.perf_counter(), time.process_time()
        fresh.score(test_x)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    result["texts_per_second"] = int(len(test_x) / float(np.median(walls)))
    result["texts_per_cpu_second"] = int(len(test_x) / float(np.median(cpus)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--settings",
        type=Path,
        help="a select_feedback_model.py JSON: use its best_settings instead of SETTINGS",
    )
    args = parser.parse_args()
    settings = dict(SETTINGS)
    if args.settings is not None:
        chosen = json.loads(args.settings.read_text())["meta"]["best_settings"]
        settings = {k: tuple(v) if isinstance(v, list) else v for k, v in chosen.items()}
    load_before = os.getloadavg()
    results = {language: run(language, settings) for language in ("en", "es")}
    meta = {
        "command": "flock /work/notes/bench.lock .venv/bin/python benchmarks/bench_feedback.py",
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback.json").write_text(json.dumps({"meta": meta, **results}, indent=2) + "\n")
    lines = [
        "# Sentiment on the airline tweets",
        "",
        f"Command: `{meta['command']}` — {meta['date']}, {meta['machine']}, "
        f"load {meta['load_before']} → {meta['load_after']}.",
        "",
        "| language | test texts | method | macro-F1 | accuracy |",
        "|---|---|---|---|---|",
    ]
    for language, r in results.items():
        for method in ("majority", "lexicon", "trained"):
            f = r[method]
            lines.append(
                f"| {language} | {r['test']} | {method} | {f['macro_f1']:.3f} | "
                f"{f['accuracy']:.3f} |"
            )
    lines += [
        "",
        "| language | detected right | unknown | wrong | scoring texts/s | texts/CPU-s |",
        "|---|---|---|---|---|---|",
    ]
    for language, r in results.items():
        d = r["language_detection"]
        lines.append(
            f"| {language} | {d['correct']:.3f} | {d['unknown']:.3f} | {d['wrong']:.3f} | "
            f"{r['texts_per_second']:,} | {r['texts_per_cpu_second']:,} |"
        )
    (out / "feedback.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
