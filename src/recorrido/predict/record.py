"""A trained model kept in the workspace: ``DIR/models/<name>.json`` and, for classifiers,
``DIR/models/<name>.joblib``.

The JSON record says what the model predicts, from which features, on which training window,
how well it did beside its baselines, and its version; it is plain text meant to be read and
diffed. The fitted scikit-learn estimator is stored with joblib (pickle): **a pickle can run code
when loaded, so only load model files your own team wrote** — never one from an untrusted source.
The record keeps the SHA-256 of the estimator file and loading refuses a file that does not match
it (this catches accidental swaps and corruption; it is no defence against someone who can write
both files). Lifetime-value models need no pickle: their parameters are in the JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from recorrido.errors import RecorridoError

MODELS_FOLDER = "models"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def models_folder(workspace_folder: Path) -> Path:
    return Path(workspace_folder) / MODELS_FOLDER


def check_name(name: str) -> str:
    """A model name is a file name: letters, digits, ``_ . -``; no path separators."""
    if not _NAME.match(name) or ".." in name:
        raise RecorridoError("predict_bad_model_name", name=name)
    return name


def new_version(record: dict) -> str:
    """``<UTC time>-<8 hex of the record's content>``: sortable and tied to what was trained."""
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]


def save(workspace_folder: Path, name: str, record: dict, estimator=None) -> Path:
    """Write the record (and the estimator) under ``DIR/models``; return the JSON's path."""
    folder = models_folder(workspace_folder)
    folder.mkdir(parents=True, exist_ok=True)
    check_name(name)
    record = {**record, "name": name}
    if estimator is not None:
        import joblib

        path = folder / f"{name}.joblib"
        joblib.dump(estimator, path)
        record["estimator_file"] = path.name
        record["estimator_sha256"] = _sha256(path)
    record.setdefault("version", new_version(record))
    target = folder / f"{name}.json"
    target.write_text(json.dumps(record, indent=2, default=str, ensure_ascii=False) + "\n")
    return target


def load(workspace_folder: Path, name: str) -> tuple[dict, object]:
    """The record and its estimator (``None`` for models without one)."""
    check_name(name)
    folder = models_folder(workspace_folder)
    path = folder / f"{name}.json"
    if not path.exists():
        known = ", ".join(list_models(workspace_folder)) or "—"
        raise RecorridoError("predict_unknown_model", name=name, known=known)
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise RecorridoError("predict_bad_record", path=str(path), detail=str(exc)) from exc
    estimator = None
    if record.get("estimator_file"):
        import joblib

        file = folder / record["estimator_file"]
        if not file.exists() or _sha256(file) != record.get("estimator_sha256"):
            raise RecorridoError("predict_estimator_mismatch", path=str(file))
        estimator = joblib.load(file)
    return record, estimator


def list_models(workspace_folder: Path) -> list[str]:
    folder = models_folder(workspace_folder)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
