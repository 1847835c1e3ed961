"""User-facing text of the feedback part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    "feedback_no_files": {
        "es": "No se indicó ningún archivo de opiniones para importar.",
        "en": "No feedback file was given to ingest.",
    },
    "feedback_bad_column_option": {
        "es": "La opción --column «{option}» debe ser CAMPO=COLUMNA (p. ej. score=Puntuación).",
        "en": "The --column option '{option}' must be FIELD=COLUMN (e.g. score=Rating).",
    },
    "feedback_unknown_field": {
        "es": "«{field}» no es un campo de opiniones. Campos: {fields}. {hint}",
        "en": "'{field}' is not a feedback field. Fields: {fields}. {hint}",
    },
    "feedback_column_missing": {
        "es": "{file} no tiene la columna «{column}». {hint}",
        "en": "{file} has no column '{column}'. {hint}",
    },
    "feedback_kind_unknown": {
        "es": "El tipo «{kind}» no existe; usa uno de: {kinds}.",
        "en": "There is no kind '{kind}'; use one of: {kinds}.",
    },
    "feedback_ingested": {
        "es": "{rows_read} filas leídas · {ingested} importadas · {duplicates} duplicadas · "
        "{quarantined} en cuarentena",
        "en": "{rows_read} rows read · {ingested} ingested · {duplicates} duplicates · "
        "{quarantined} quarantined",
    },
    "feedback_placed": {
        "es": "Etapa: {given} indicada · {inferred} deducida por el momento · {unplaced} sin etapa",
        "en": "Stage: {given} given · {inferred} inferred from time · {unplaced} without a stage",
    },
    "feedback_model": {
        "es": "Sentimiento ({language}): modelo entrenado con {labels} etiquetas, "
        "F1 macro en validación cruzada {f1}",
        "en": "Sentiment ({language}): model trained on {labels} labels, "
        "cross-validated macro-F1 {f1}",
    },
    "feedback_lexicon": {
        "es": "Sentimiento ({language}): léxico (sin etiquetas suficientes para entrenar)",
        "en": "Sentiment ({language}): lexicon (not enough labels to train)",
    },
    "feedback_none": {
        "es": "No hay opiniones en el espacio de trabajo. "
        "Impórtalas con: recorrido feedback ingest",
        "en": "The workspace holds no feedback. Ingest some with: recorrido feedback ingest",
    },
    "feedback_period_unknown": {
        "es": "El periodo «{period}» no existe; usa day, week o month.",
        "en": "There is no period '{period}'; use day, week or month.",
    },
    "feedback_emotions_title": {
        "es": "Curva emocional medida: {name}",
        "en": "Measured emotion curve: {name}",
    },
    "feedback_worse_than_designed": {
        "es": "peor que lo diseñado",
        "en": "worse than designed",
    },
    "feedback_drop": {
        "es": "Caída en «{stage}» del {start} al {end}: "
        "sentimiento neto {inside} frente a {outside}",
        "en": "Drop at '{stage}' from {start} to {end}: net sentiment {inside} against {outside}",
    },
    "feedback_rising": {
        "es": "Tema en alza en «{stage}» del {start} al {end}: "
        "{topic} ({inside} frente a {outside})",
        "en": "Topic rising at '{stage}' from {start} to {end}: "
        "{topic} ({inside} against {outside})",
    },
}
