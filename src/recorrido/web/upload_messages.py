"""User-facing text of the upload page (send a file, map its columns, follow its ingest), in
Spanish and English (merged into recorrido.i18n beside ``web/messages.py``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "web_upload_title": {"es": "Subir eventos", "en": "Upload events"},
    "web_upload_file": {
        "es": "Archivo (CSV, Parquet, NDJSON o Segment)",
        "en": "File (CSV, Parquet, NDJSON or Segment)",
    },
    "web_upload_format": {"es": "Formato", "en": "Format"},
    "web_upload_format_auto": {"es": "reconocerlo", "en": "recognise it"},
    "web_upload_send": {"es": "Subir y ver las primeras filas", "en": "Upload and preview"},
    "web_upload_preview": {"es": "Primeras filas de {name}", "en": "First rows of {name}"},
    "web_upload_no_preview": {
        "es": "No hay vista previa para este archivo; la importación dirá qué encuentra.",
        "en": "No preview for this file; the ingest will say what it finds.",
    },
    "web_upload_columns_help": {
        "es": "Qué columna es cada campo; «reconocer» deja que la importación lo deduzca.",
        "en": "Which column is each field; 'recognise' lets the ingest work it out.",
    },
    "web_upload_recognise": {"es": "reconocer", "en": "recognise"},
    "web_upload_ingest": {"es": "Importar", "en": "Ingest"},
    "web_upload_done": {"es": "Importación terminada", "en": "Ingest finished"},
    "web_upload_summary": {
        "es": "{rows} filas leídas · {ingested} importadas · {duplicates} duplicadas · "
        "{quarantined} en cuarentena",
        "en": "{rows} rows read · {ingested} ingested · {duplicates} duplicates · "
        "{quarantined} quarantined",
    },
    "web_upload_column": {"es": "Columna", "en": "Column"},
    "web_upload_example": {"es": "Ejemplo", "en": "Example"},
    "web_upload_another": {"es": "Subir otro archivo", "en": "Upload another file"},
    "web_upload_error_none": {"es": "Elige un archivo.", "en": "Choose a file."},
    "web_upload_error_large": {
        "es": "El archivo supera 512 MB: impórtalo con recorrido ingest.",
        "en": "The file is over 512 MB: ingest it with recorrido ingest.",
    },
    "web_upload_running": {"es": "Importando {name}…", "en": "Ingesting {name}…"},
    "web_upload_step_progress": {
        "es": "Paso en curso (leer, comprobar, quitar duplicados, guardar)",
        "en": "Step in progress (read, check, remove duplicates, store)",
    },
    "web_upload_elapsed": {"es": "{seconds} s desde el inicio", "en": "{seconds} s since it began"},
    "web_upload_step_share": {"es": "{share} % de este paso", "en": "{share} % of this step"},
    "web_upload_step": {"es": "Paso {k} de {n}: {step}", "en": "Step {k} of {n}: {step}"},
    "web_upload_refresh": {
        "es": "Actualizar (si la página no se actualiza sola)",
        "en": "Refresh (if the page does not refresh itself)",
    },
    "web_upload_failed": {
        "es": "La importación falló: {detail}",
        "en": "The ingest failed: {detail}",
    },
}
