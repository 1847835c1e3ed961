"""User-facing text in Spanish and English.

A message is looked up by key; every key exists in both languages (a test checks it). The language
comes from ``--lang``, then ``RECORRIDO_LANG``, then the workspace settings, then the system locale.
"""

from __future__ import annotations

import importlib
import locale
import os

LANGUAGES = ("es", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # workspace
    "workspace_created": {
        "es": "Espacio de trabajo creado en {path}",
        "en": "Workspace created in {path}",
    },
    "workspace_exists": {
        "es": "Ya hay un espacio de trabajo en {path}; ábrelo en lugar de crearlo otra vez.",
        "en": "There is already a workspace in {path}; open it instead of creating it again.",
    },
    "workspace_missing": {
        "es": "No hay un espacio de trabajo en {path}. Créalo con: recorrido init {path}",
        "en": "No workspace in {path}. Create one with: recorrido init {path}",
    },
    "workspace_busy": {
        "es": "La base de datos {path} está abierta por otro proceso: {detail}",
        "en": "The database {path} is open in another process: {detail}",
    },
    "settings_invalid": {
        "es": "El archivo de ajustes {path} no es válido: {detail}",
        "en": "The settings file {path} is not valid: {detail}",
    },
    "settings_memory_limit": {
        "es": "memory_limit «{value}» no es una cantidad de memoria: escribe p. ej. 2GB o 512MB.",
        "en": "memory_limit '{value}' is not an amount of memory: write e.g. 2GB or 512MB.",
    },
    "unknown_timezone": {
        "es": "Zona horaria desconocida «{name}». ¿Quisiste decir {suggestion}?",
        "en": "Unknown time zone '{name}'. Did you mean {suggestion}?",
    },
    "unknown_language": {
        "es": "Idioma desconocido «{name}»: usa es o en.",
        "en": "Unknown language '{name}': use es or en.",
    },
    # ingest: whole-file problems (nothing of the ingest is kept)
    "file_missing": {
        "es": "No se encuentra el archivo {file}.",
        "en": "File {file} not found.",
    },
    "file_unreadable": {
        "es": "No se pudo leer {file} como {format}: {detail}",
        "en": "Could not read {file} as {format}: {detail}",
    },
    "format_unknown": {
        "es": "No sé qué formato tiene {file}. Indica --format csv|parquet|ndjson|segment|xes.",
        "en": "Cannot tell the format of {file}. Pass --format csv|parquet|ndjson|segment|xes.",
    },
    "column_missing": {
        "es": "{file} no tiene la columna «{column}» para el campo {field}. "
        "Columnas del archivo: {columns}.{hint} Usa --column {field}=COLUMNA.",
        "en": "{file} has no column '{column}' for the field {field}. "
        "The file's columns: {columns}.{hint} Use --column {field}=COLUMN.",
    },
    "field_unmapped": {
        "es": "{file}: ninguna columna da el campo obligatorio {field}. Columnas del archivo: "
        "{columns}. Usa --column {field}=COLUMNA.",
        "en": "{file}: no column gives the required field {field}. The file's columns: {columns}. "
        "Use --column {field}=COLUMN.",
    },
    "id_unmapped": {
        "es": "{file}: ninguna columna da customer_id ni anonymous_id. Columnas del archivo: "
        "{columns}. Usa --column customer_id=COLUMNA.",
        "en": "{file}: no column gives customer_id or anonymous_id. The file's columns: {columns}. "
        "Use --column customer_id=COLUMN.",
    },
    "mapping_bad_option": {
        "es": "Asignación de columnas no válida «{option}»: usa CAMPO=COLUMNA, "
        "p. ej. event=Action.",
        "en": "Invalid column mapping '{option}': use FIELD=COLUMN, e.g. event=Action.",
    },
    "mapping_unknown_field": {
        "es": "Campo desconocido «{field}» en la asignación de columnas. Campos: {fields}.{hint}",
        "en": "Unknown field '{field}' in the column mapping. Fields: {fields}.{hint}",
    },
    "mapping_file_invalid": {
        "es": "El archivo de asignación {file} no es válido: {detail}",
        "en": "The mapping file {file} is not valid: {detail}",
    },
    "column_reserved": {
        "es": "{file}: la columna «{column}» tiene un nombre que recorrido reserva para el número "
        "de fila; renómbrala en el archivo.",
        "en": "{file}: the column '{column}' has a name recorrido keeps for the row number; "
        "rename it in the file.",
    },
    "explode_not_list": {
        "es": "{file}: la columna «{column}» de explode no es una lista.",
        "en": "{file}: the explode column '{column}' is not a list.",
    },
    "nothing_to_ingest": {
        "es": "No se indicó ningún archivo para importar.",
        "en": "No file was given to ingest.",
    },
    # ingest: report
    "ingest_summary": {
        "es": "{rows_read} filas leídas · {ingested} importadas · {duplicates} duplicadas · "
        "{quarantined} en cuarentena",
        "en": "{rows_read} rows read · {ingested} ingested · {duplicates} duplicates · "
        "{quarantined} quarantined",
    },
    "ingest_quarantine_hint": {
        "es": "Mira las filas en cuarentena con: recorrido quarantine --workspace {workspace}",
        "en": "See the quarantined rows with: recorrido quarantine --workspace {workspace}",
    },
    "ingest_progress": {"es": "Importando", "en": "Ingesting"},
    "ingest_progress_step": {
        "es": "Importando · paso {k} de {n}: {step}",
        "en": "Ingesting · step {k} of {n}: {step}",
    },
    "ingest_step_read": {"es": "leer los archivos", "en": "reading the files"},
    "ingest_step_check": {
        "es": "comprobar las filas y quitar duplicados",
        "en": "checking the rows and removing duplicates",
    },
    "ingest_step_link": {"es": "unir identidades", "en": "linking identities"},
    "ingest_step_profile": {"es": "actualizar los clientes", "en": "updating the customers"},
    "ingest_step_store": {"es": "guardar", "en": "storing"},
    "ingest_file_line": {
        "es": "{file} ({format}): {rows_read} filas, {ingested} importadas, {duplicates} "
        "duplicadas, {quarantined} en cuarentena",
        "en": "{file} ({format}): {rows_read} rows, {ingested} ingested, {duplicates} duplicates, "
        "{quarantined} quarantined",
    },
    # quarantine reasons
    "reason_missing_id": {
        "es": "sin customer_id ni anonymous_id",
        "en": "no customer_id or anonymous_id",
    },
    "reason_empty_timestamp": {"es": "marca de tiempo vacía", "en": "empty timestamp"},
    "reason_bad_timestamp": {
        "es": "marca de tiempo ilegible o imposible «{detail}»",
        "en": "unparseable or impossible timestamp '{detail}'",
    },
    "reason_timestamp_too_old": {
        "es": "marca de tiempo anterior a 1971 «{detail}» (¿un valor de relleno o una unidad "
        "equivocada?)",
        "en": "timestamp before 1971 '{detail}' (a placeholder, or the wrong unit?)",
    },
    "reason_timestamp_in_future": {
        "es": "marca de tiempo en el futuro «{detail}»",
        "en": "timestamp in the future '{detail}'",
    },
    "reason_empty_event": {"es": "nombre de evento vacío", "en": "empty event name"},
    "reason_bad_value": {
        "es": "el valor «{detail}» no es un número",
        "en": "value '{detail}' is not a number",
    },
    "reason_malformed_line": {
        "es": "línea mal formada: {detail}",
        "en": "malformed line: {detail}",
    },
    # quarantine listing
    "quarantine_empty": {
        "es": "La cuarentena está vacía: ninguna fila fue rechazada.",
        "en": "The quarantine is empty: no row was refused.",
    },
    "quarantine_title": {
        "es": "Filas en cuarentena ({count})",
        "en": "Quarantined rows ({count})",
    },
    "col_file": {"es": "archivo", "en": "file"},
    "col_row": {"es": "fila", "en": "row"},
    "col_column": {"es": "columna", "en": "column"},
    "col_reason": {"es": "motivo", "en": "reason"},
    # query
    "query_write_refused": {
        "es": "Solo se permiten consultas de lectura (SELECT, WITH, DESCRIBE, SHOW); "
        "«{statement}» modificaría el espacio de trabajo.",
        "en": "Only read-only queries are allowed (SELECT, WITH, DESCRIBE, SHOW); "
        "'{statement}' would change the workspace.",
    },
    "query_failed": {
        "es": "La consulta falló: {detail}",
        "en": "The query failed: {detail}",
    },
    "query_rows": {"es": "{count} filas", "en": "{count} rows"},
    # demo
    "demo_title": {
        "es": "recorrido · demostración con la muestra real de OTTO (CC BY 4.0) y una tienda "
        "generada",
        "en": "recorrido · demo on the real OTTO sample (CC BY 4.0) and a generated shop",
    },
    "demo_shop": {
        "es": "Tienda generada: {customers} clientes (semilla {seed}; qué se planta en ella: "
        "recorrido/data/SOURCE.md)",
        "en": "Generated shop: {customers} customers (seed {seed}; what is planted in it: "
        "recorrido/data/SOURCE.md)",
    },
    "demo_bad_customers": {
        "es": "--customers debe ser 0 o más (se dio {customers}).",
        "en": "--customers must be 0 or more (got {customers}).",
    },
    "demo_automation": {
        "es": "Automatización sobre el mapa (carrito abandonado): {path}; ensáyala con "
        "recorrido automations dry-run {path} -w {folder}",
        "en": "Automation on the map (abandoned cart): {path}; try it with "
        "recorrido automations dry-run {path} -w {folder}",
    },
    "demo_workspace": {
        "es": "Espacio de trabajo: {path}",
        "en": "Workspace: {path}",
    },
    "demo_holds": {
        "es": "{events} eventos de {customers} clientes, del {first} al {last} (UTC)",
        "en": "{events} events from {customers} customers, {first} to {last} (UTC)",
    },
    "demo_map": {
        "es": "Mapa del recorrido (plantilla de tienda online, edítalo a tu gusto): {path}",
        "en": "Journey map (online shop template, yours to edit): {path}",
    },
    "demo_events_title": {"es": "Eventos por tipo", "en": "Events by type"},
    "demo_admin_created": {
        "es": "Usuario de la aplicación web: {user}, contraseña: {password} (se muestra solo "
        "esta vez; crea más con recorrido users add).",
        "en": "Web app user: {user}, password: {password} (shown only this once; add more with "
        "recorrido users add).",
    },
    "demo_open_map": {
        "es": "Abre el mapa medido en {url}",
        "en": "Open the measured map at {url}",
    },
    "demo_next": {
        "es": "Prueba: recorrido friction {path}/journey-map.yaml --workspace {path}, recorrido "
        "measure {path}/journey-map.yaml --workspace {path} --breakdown persona, o recorrido "
        "funnel --workspace {path} --steps clicks,carts,orders",
        "en": "Try: recorrido friction {path}/journey-map.yaml --workspace {path}, recorrido "
        "measure {path}/journey-map.yaml --workspace {path} --breakdown persona, or recorrido "
        "funnel --workspace {path} --steps clicks,carts,orders",
    },
    "col_event": {"es": "evento", "en": "event"},
    "col_events": {"es": "eventos", "en": "events"},
    "col_customers": {"es": "clientes", "en": "customers"},
}

#: The parts' catalogs, the cheapest to import first (:func:`message` stops at the one it needs).
_PART_CATALOGS = (
    "recorrido.journey.messages",
    "recorrido.analytics.messages",
    "recorrido.measured.messages",
    "recorrido.report.messages",
    "recorrido.insights.messages",
    "recorrido.analytics.attribution.messages",
    "recorrido.privacy.messages",
    "recorrido.server.messages",
    "recorrido.web.messages",
    "recorrido.web.explore_messages",
    "recorrido.web.editor_messages",
    "recorrido.web.upload_messages",
    "recorrido.web.panel_messages",
    "recorrido.web.draft_messages",
    "recorrido.automations.messages",
    "recorrido.predict.messages",
    "recorrido.feedback.messages",
    "recorrido.events.messages",
)
_merged = False


def all_messages() -> dict[str, dict[str, str]]:
    """Every message: this module's own and each part's catalog.

    Each part keeps its own catalog so that parts grow without touching one shared file. They are
    merged on first use, not at import, because the parts themselves import this module.
    """
    global _merged
    if not _merged:
        for name in _PART_CATALOGS:
            catalog = importlib.import_module(name).MESSAGES
            clash = MESSAGES.keys() & catalog.keys()
            if clash:
                raise RuntimeError(f"message keys defined twice: {sorted(clash)}")
            MESSAGES.update(catalog)
        _merged = True
    return MESSAGES


def message(key: str, lang: str, **params: object) -> str:
    """The text of ``key`` in ``lang`` with its placeholders filled."""
    texts = MESSAGES.get(key) or _part_message(key)
    text = texts.get(lang) or texts["en"]
    return text.format(**params) if params else text


def _part_message(key: str) -> dict[str, str]:
    """``key``'s texts from the parts' catalogs, importing only those up to the one that has it
    (a command that shows a few messages need not import every part; :func:`all_messages`
    still merges them all and checks for keys defined twice). Found once per key: a chart
    writes one message per cell, thousands at a time."""
    found = _FOUND.get(key)
    if found is not None:
        return found
    if not _merged:
        for name in _PART_CATALOGS:
            catalog = importlib.import_module(name).MESSAGES
            if key in catalog:
                found = _FOUND[key] = catalog[key]
                return found
    return all_messages()[key]


#: The parts' messages found so far by :func:`_part_message`, by key.
_FOUND: dict[str, dict[str, str]] = {}


def resolve_language(explicit: str | None = None, workspace_default: str | None = None) -> str:
    """Pick the language: explicit choice, then RECORRIDO_LANG, workspace, system locale."""
    for candidate in (explicit, os.environ.get("RECORRIDO_LANG"), workspace_default):
        if candidate:
            code = candidate.lower()[:2]
            if code in LANGUAGES:
                return code
    system = (locale.getlocale()[0] or os.environ.get("LANG", "")).lower()
    return "es" if system.startswith("es") else "en"
