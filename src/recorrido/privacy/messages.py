"""User-facing text of privacy and hardening, in Spanish and English (merged into recorrido.i18n).

Hardening's keys (``bounded_*``, ``sandbox_*``) live here too: they guard the same thing, a person's
machine and data, and have no part of their own.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # limits on parsed documents (recorrido.bounded); shown inside a sentence about the file
    "bounded_too_deep": {
        "es": "está anidado a más de {limit} niveles",
        "en": "it is nested more than {limit} levels deep",
    },
    "bounded_too_many_nodes": {
        "es": "tendría más de {limit} valores al expandir sus alias (*nombre); se rechaza un "
        "archivo que repite alias de alias",
        "en": "it would hold more than {limit} values once its aliases (*name) are expanded; "
        "a file that repeats aliases of aliases is refused",
    },
    "bounded_too_big": {
        "es": "ocupa más de {limit} bytes",
        "en": "it is larger than {limit} bytes",
    },
    # recorrido query's sandbox (recorrido.events.query)
    "sandbox_table_refused": {
        "es": "Una consulta solo puede leer las tablas del espacio de trabajo ({tables}); "
        "«{name}» no es una de ellas (no se leen archivos ni otras bases de datos).",
        "en": "A query can only read the workspace's tables ({tables}); '{name}' is not one of "
        "them (no files or other databases are read).",
    },
    "sandbox_function_refused": {
        "es": "La función {name} lee fuera del espacio de trabajo y no se permite en una consulta.",
        "en": "The function {name} reads outside the workspace and is not allowed in a query.",
    },
    "sandbox_timeout": {
        "es": "La consulta se detuvo tras {seconds} s, su tiempo máximo. Acota la consulta "
        "(WHERE, LIMIT) o pide más tiempo con --timeout.",
        "en": "The query was stopped after {seconds} s, its time limit. Narrow it (WHERE, LIMIT) "
        "or allow more time with --timeout.",
    },
    # recorrido customer show | export | forget | retention | audit
    "privacy_not_found": {
        "es": "No hay datos de «{id}» en este espacio de trabajo.",
        "en": "Nothing is held about '{id}' in this workspace.",
    },
    "privacy_show_title": {
        "es": "Datos de «{id}» (ids enlazados: {identifiers})",
        "en": "Data held about '{id}' (linked ids: {identifiers})",
    },
    "privacy_col_table": {"es": "tabla", "en": "table"},
    "privacy_col_rows": {"es": "filas", "en": "rows"},
    "privacy_exported": {
        "es": "Exportado todo lo que se guarda de «{id}» ({rows} filas) en {path}",
        "en": "Exported everything held about '{id}' ({rows} rows) to {path}",
    },
    "privacy_forgotten": {
        "es": "«{id}» olvidado: {rows} filas borradas; una nueva importación no lo traerá de "
        "vuelta. Solicitud {request} anotada en el registro de auditoría.",
        "en": "'{id}' forgotten: {rows} rows removed; a new ingest will not bring them back. "
        "Request {request} written to the audit log.",
    },
    "privacy_forget_confirm": {
        "es": "Esto borra para siempre todo lo que se guarda de «{id}». Repite con --yes para "
        "confirmarlo.",
        "en": "This removes everything held about '{id}' for good. Run again with --yes to "
        "confirm.",
    },
    "privacy_read_only": {
        "es": "El espacio de trabajo está abierto solo para lectura; no se puede borrar nada.",
        "en": "The workspace is open read-only; nothing can be removed.",
    },
    "privacy_retention_unset": {
        "es": "No hay plazo de conservación: indica --months N o pon retention_months en "
        "recorrido.yaml.",
        "en": "No retention period: pass --months N or set retention_months in recorrido.yaml.",
    },
    "privacy_retention_done": {
        "es": "Conservación de {months} meses: {removed} eventos anteriores a {cutoff} borrados.",
        "en": "Retention of {months} months: {removed} events before {cutoff} removed.",
    },
    "privacy_audit_empty": {
        "es": "El registro de auditoría está vacío.",
        "en": "The audit log is empty.",
    },
    "privacy_audit_title": {"es": "Registro de auditoría", "en": "Audit log"},
    "privacy_col_when": {"es": "cuándo", "en": "when"},
    "privacy_col_who": {"es": "quién", "en": "who"},
    "privacy_col_action": {"es": "acción", "en": "action"},
    "privacy_col_request": {"es": "solicitud", "en": "request"},
    # hardening: the command line's last net (recorrido.cli.common.SafeTyper)
    "hardening_unexpected": {
        "es": "Algo falló de un modo que recorrido no esperaba ({kind}: {detail}). Es un error "
        "nuestro: avísanos con la orden que ejecutaste; RECORRIDO_DEBUG=1 muestra los detalles.",
        "en": "Something failed in a way recorrido did not expect ({kind}: {detail}). That is our "
        "bug: please report it with the command you ran; RECORRIDO_DEBUG=1 shows the details.",
    },
    "hardening_not_a_folder": {
        "es": "{path} existe y no es una carpeta: elige otro sitio para el espacio de trabajo.",
        "en": "{path} exists and is not a folder: choose another place for the workspace.",
    },
    "hardening_cannot_create": {
        "es": "No se pudo crear el espacio de trabajo en {path}: {detail}",
        "en": "Could not create the workspace in {path}: {detail}",
    },
    # pseudonymisation at ingest (recorrido.privacy.pseudonyms)
    "pseudonymise_raw_ids_held": {
        "es": "El espacio de trabajo {path} ya guarda ids sin seudonimizar; activar pseudonymise "
        "ahora mezclaría ids en claro con ids cifrados, así que no se importa nada. Crea otro "
        "espacio con `recorrido init DIR --pseudonymise` e importa allí los archivos, o quita "
        "pseudonymise de recorrido.yaml.",
        "en": "The workspace {path} already holds ids that are not pseudonymised; switching "
        "pseudonymise on now would mix raw and hashed ids, so nothing was ingested. Make a new "
        "workspace with `recorrido init DIR --pseudonymise` and ingest the files there, or "
        "remove pseudonymise from recorrido.yaml.",
    },
    "pseudonymise_setting_off": {
        "es": "Los ids del espacio de trabajo {path} están seudonimizados, pero recorrido.yaml ya "
        "no dice pseudonymise: true; importar ahora mezclaría ids en claro con seudónimos, así "
        "que no se importa nada. Vuelve a poner pseudonymise: true.",
        "en": "The ids in the workspace {path} are pseudonymised, but recorrido.yaml no longer "
        "says pseudonymise: true; ingesting now would mix raw ids with pseudonyms, so nothing "
        "was ingested. Set pseudonymise: true again.",
    },
    "pseudonymise_key_missing": {
        "es": "Falta la clave {path} con la que se seudonimizaron los ids de este espacio de "
        "trabajo; sin ella los ids nuevos no coincidirían con los guardados. Restáurala desde "
        "una copia de seguridad.",
        "en": "The key {path} this workspace's ids were pseudonymised with is missing; without it "
        "new ids would not match the stored ones. Restore it from a backup.",
    },
    "pseudonymise_key_changed": {
        "es": "La clave {path} no es la que se usó para seudonimizar los ids de este espacio de "
        "trabajo; con ella las mismas personas tendrían otros seudónimos. Restaura la clave "
        "original.",
        "en": "The key {path} is not the one this workspace's ids were pseudonymised with; with "
        "it the same people would get other pseudonyms. Restore the original key.",
    },
    "pseudonymise_read_in_place": {
        "es": "Los eventos de {table} se leen donde están, sin importarlos, así que recorrido no "
        "puede seudonimizar sus ids: quita pseudonymise o importa los eventos.",
        "en": "The events of {table} are read in place, not ingested, so recorrido cannot "
        "pseudonymise their ids: drop pseudonymise or ingest the events.",
    },
    "pseudonymise_on": {
        "es": "Ids seudonimizados al importar (clave en {path}; guárdala con las copias de "
        "seguridad: sin ella no se puede importar más).",
        "en": "Ids are pseudonymised at ingest (key in {path}; keep it with the backups: without "
        "it nothing more can be ingested).",
    },
    "privacy_ingest_forgotten": {
        "es": "  {rows} filas de personas olvidadas a petición suya quedan fuera (no se guardan).",
        "en": "  {rows} rows of people forgotten at their request were left out (not stored).",
    },
}
