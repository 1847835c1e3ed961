"""User-facing text of the ingest part, in Spanish and English (merged into recorrido.i18n).

The older ingest messages (``file_unreadable``, ``reason_*`` ...) live in recorrido.i18n itself;
keys added since carry the ``events_`` prefix, except the quarantine reasons, which the
``quarantine`` command looks up as ``reason_<code>``.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # whole-file problems: nothing of the ingest is kept
    "events_file_empty": {
        "es": "{file} está vacío: no hay nada que importar.",
        "en": "{file} is empty: there is nothing to ingest.",
    },
    "events_file_truncated": {
        "es": "{file} está truncado o dañado (los datos comprimidos terminan antes de tiempo): no "
        "se importó nada. Copia o descarga el archivo otra vez.",
        "en": "{file} is truncated or corrupt (the compressed data ends early): nothing was "
        "ingested. Copy or download the file again.",
    },
    "events_file_corrupt": {
        "es": "{file} está dañado ({detail}): no se importó nada.",
        "en": "{file} is corrupt ({detail}): nothing was ingested.",
    },
    "events_encoding_unknown": {
        "es": "Codificación desconocida «{encoding}»: prueba utf-8, latin-1, cp1252 o utf-16.",
        "en": "Unknown encoding '{encoding}': try utf-8, latin-1, cp1252 or utf-16.",
    },
    "events_not_utf8": {
        "es": "{file} no está en UTF-8 (parece {guess}): prueba --encoding {guess} o "
        "--encoding latin-1.",
        "en": "{file} is not UTF-8 (it looks like {guess}): try --encoding {guess} or "
        "--encoding latin-1.",
    },
    "events_encoding_mismatch": {
        "es": "{file} no es texto {encoding} válido (línea {line}): indica la codificación con "
        "la que se guardó, p. ej. --encoding latin-1.",
        "en": "{file} is not valid {encoding} text (line {line}): pass the encoding it was "
        "saved in, e.g. --encoding latin-1.",
    },
    "events_xes_invalid": {
        "es": "{file} no es un registro XES legible: {detail}",
        "en": "{file} is not a readable XES log: {detail}",
    },
    "events_spreadsheet": {
        "es": "{file} es una hoja de cálculo: recorrido no lee Excel ni ODS. Guárdala como CSV "
        "UTF-8 (Guardar como › CSV) e impórtala.",
        "en": "{file} is a spreadsheet: recorrido does not read Excel or ODS files. Save it as "
        "CSV UTF-8 (Save as › CSV) and ingest that.",
    },
    "events_aligned_columns": {
        "es": "{file}: sus columnas parecen alineadas con espacios («{header}»), sin un "
        "separador. Guárdalo con comas o tabuladores entre columnas (p. ej. en una hoja de "
        "cálculo, o con: awk -v OFS=, '{{$1=$1}}1' archivo) e impórtalo.",
        "en": "{file}: its columns seem lined up with spaces ('{header}'), with no delimiter. "
        "Save it with commas or tabs between the columns (e.g. from a spreadsheet, or with: "
        "awk -v OFS=, '{{$1=$1}}1' file) and ingest that.",
    },
    "events_fields_unmapped": {
        "es": "{file}: ninguna columna da los campos obligatorios {fields}. Columnas del "
        "archivo: {columns}. Usa --column CAMPO=COLUMNA para cada uno (p. ej. --column "
        "{first}=COLUMNA).",
        "en": "{file}: no column gives the required fields {fields}. The file's columns: "
        "{columns}. Use --column FIELD=COLUMN for each (e.g. --column {first}=COLUMN).",
    },
    "events_mapping_default_unsupported": {
        "es": "{file}: defaults.{field} no se admite: un valor fijo solo sirve para {fields}. "
        "{field} tiene que venir de una columna (columns: {{{field}: COLUMNA}} o --column "
        "{field}=COLUMNA).",
        "en": "{file}: defaults.{field} is not supported: a constant value only serves for "
        "{fields}. {field} must come from a column (columns: {{{field}: COLUMN}} or --column "
        "{field}=COLUMN).",
    },
    "events_bad_timestamp_format": {
        "es": "--timestamp-format «{format}» no es un formato strptime válido: {detail}",
        "en": "--timestamp-format '{format}' is not a valid strptime format: {detail}",
    },
    # how a file was read (shown after its counts)
    "events_read_as_encoding": {
        "es": "leído como {encoding}",
        "en": "read as {encoding}",
    },
    "events_read_time_format": {
        "es": "fechas leídas como {format}",
        "en": "timestamps read as {format}",
    },
    "events_read_decimal_comma": {
        "es": "coma decimal",
        "en": "decimal comma",
    },
    "events_null_like_ids_line": {
        "es": "{count} valores de la columna «{column}» eran textos como NA, null o - y se "
        "leyeron como identificador vacío.",
        "en": "{count} values of the column '{column}' were texts such as NA, null or - and "
        "were read as no id.",
    },
    "events_warning_identical_rows": {
        "es": "{count} filas sin identificador de evento eran idénticas a otra de esta importación "
        "(cliente, hora, evento y valores) y se contaron una vez, como duplicadas. Si son "
        "repeticiones reales (dos compras iguales el mismo día), da al archivo una columna de "
        "identificador.",
        "en": "{count} rows without an event id were identical to another row of this ingest "
        "(customer, time, event and values) and were counted once, as duplicates. If they are "
        "real repeats (two alike purchases on one day), give the file an id column.",
    },
    "events_warning_scientific_ids": {
        "es": "La columna «{column}» ({field}) tiene identificadores en notación científica, "
        "como «{example}»: perdieron cifras al escribir el archivo, y personas distintas pueden "
        "compartir uno. Exporta la columna como texto y vuelve a importar.",
        "en": "The column '{column}' ({field}) holds ids in scientific notation, such as "
        "'{example}': they lost digits when the file was written, and different people may "
        "share one. Export the column as text and ingest again.",
    },
    "events_conflicts_line": {
        "es": "{conflicts} filas repiten un event_id ya visto con otro contenido: están en la "
        "cuarentena (conflicting_duplicate).",
        "en": "{conflicts} rows repeat an event_id already seen with different content: they "
        "are in the quarantine (conflicting_duplicate).",
    },
    # an ingest that refused (nearly) everything
    "events_nothing_stored": {
        "es": "No se guardó nada: las {quarantined} filas fueron rechazadas. Motivo más "
        "frecuente ({count} filas, columna «{column}»): {reason}",
        "en": "Nothing was stored: all {quarantined} rows were refused. Most common reason "
        "({count} rows, column '{column}'): {reason}",
    },
    "events_mostly_refused": {
        "es": "{quarantined} de {rows_read} filas fueron rechazadas. Motivo más frecuente "
        "({count} filas, columna «{column}»): {reason}",
        "en": "{quarantined} of {rows_read} rows were refused. Most common reason ({count} "
        "rows, column '{column}'): {reason}",
    },
    "events_advice_timestamp_format": {
        "es": "Las fechas se escriben como «{example}»: usa --timestamp-format '{format}' (o "
        "timestamp_format: '{format}' en el archivo de asignación).",
        "en": "The timestamps are written like '{example}': pass --timestamp-format '{format}' "
        "(or timestamp_format: '{format}' in the mapping file).",
    },
    "events_advice_timestamp_ambiguous": {
        "es": "«{example}» puede ser día/mes o mes/día: usa --timestamp-format '{format}' o "
        "'{other}' (timestamp_format en el archivo de asignación).",
        "en": "'{example}' can be day/month or month/day: pass --timestamp-format '{format}' or "
        "'{other}' (timestamp_format in the mapping file).",
    },
    "events_advice_timestamp_unit": {
        "es": "Las fechas son números de época («{example}»): usa --timestamp-unit {unit} "
        "(timestamp_unit en el archivo de asignación).",
        "en": "The timestamps are epoch numbers ('{example}'): pass --timestamp-unit {unit} "
        "(timestamp_unit in the mapping file).",
    },
    "events_advice_timestamp_generic": {
        "es": "Indica cómo se escriben las fechas («{example}») con --timestamp-format, p. ej. "
        "--timestamp-format '%d/%m/%Y %H:%M' (timestamp_format en el archivo de asignación).",
        "en": "Say how the timestamps ('{example}') are written with --timestamp-format, e.g. "
        "--timestamp-format '%d/%m/%Y %H:%M' (timestamp_format in the mapping file).",
    },
    "events_advice_timestamp_column": {
        "es": "La columna «{taken}» se tomó como fecha por su nombre, pero «{column}» tiene "
        "fechas («{example}»): usa --column timestamp={column}.",
        "en": "The column '{taken}' was taken as the timestamp for its name, but '{column}' "
        "holds dates ('{example}'): pass --column timestamp={column}.",
    },
    "events_advice_decimal": {
        "es": "Los valores como «{example}» usan coma decimal: usa --decimal-separator , "
        "(decimal_separator: ',' en el archivo de asignación).",
        "en": "Values like '{example}' use a decimal comma: pass --decimal-separator , "
        "(decimal_separator: ',' in the mapping file).",
    },
    "events_advice_encoding": {
        "es": "Las líneas no son UTF-8 válido: indica la codificación del archivo, p. ej. "
        "--encoding latin-1.",
        "en": "The lines are not valid UTF-8: pass the file's encoding, e.g. --encoding latin-1.",
    },
    "events_advice_missing_id": {
        "es": "Ninguna fila tiene identificador de cliente: indica la columna con --column "
        "customer_id=COLUMNA.",
        "en": "No row has a customer id: name its column with --column customer_id=COLUMN.",
    },
    "events_advice_quarantine": {
        "es": "Mira las filas rechazadas con: recorrido quarantine --workspace {workspace}",
        "en": "See the refused rows with: recorrido quarantine --workspace {workspace}",
    },
    # quarantine reasons added since the first catalog
    "reason_bad_offset": {
        "es": "desfase horario imposible o mal escrito en «{detail}» (debe ser ±HH:MM, hasta "
        "±14:00)",
        "en": "impossible or malformed UTC offset in '{detail}' (must be ±HH:MM, at most ±14:00)",
    },
    "reason_conflicting_duplicate": {
        "es": "el event_id ya existe con otro contenido: {detail}",
        "en": "the event_id already exists with different content: {detail}",
    },
    # quarantine listing
    "events_col_ingest": {"es": "importación", "en": "ingest"},
    "events_col_ingested_at": {"es": "fecha (UTC)", "en": "time (UTC)"},
    # scale-out: shared PostgreSQL workspaces, events read where they live (docs/scale.md)
    "scale_schema_name": {
        "es": "«{value}» no sirve como nombre de esquema: use minúsculas, cifras y _ (hasta 63)",
        "en": "'{value}' cannot be a schema name: use lower-case letters, digits, _ (63 at most)",
    },
    "scale_schema_needs_postgres": {
        "es": "--schema solo tiene sentido con una conexión PostgreSQL (--connection postgresql://...)",
        "en": "--schema only applies to a PostgreSQL connection (--connection postgresql://...)",
    },
    "scale_events_table_name": {
        "es": "«{name}» no es un nombre de tabla válido: escriba ESQUEMA.TABLA o TABLA",
        "en": "'{name}' is not a valid table name: write SCHEMA.TABLE or TABLE",
    },
    "scale_events_columns_missing": {
        "es": "falta asignar {fields}: añada --column CAMPO=COLUMNA",
        "en": "{fields} must be mapped: add --column FIELD=COLUMN",
    },
    "scale_events_column_unknown": {
        "es": "la tabla no tiene la columna «{name}»; tiene: {columns}",
        "en": "the table has no column '{name}'; it has: {columns}",
    },
    "scale_events_read_in_place": {
        "es": "este espacio lee los eventos de {table} sin copiarlos: no se importa en él; "
        "escriba los eventos en esa tabla",
        "en": "this workspace reads its events from {table} without copying: nothing is "
        "ingested into it; write the events into that table",
    },
    "scale_would_quarantine": {
        "es": "{column}: {count} de {total} filas irían a cuarentena",
        "en": "{column}: {count} of {total} rows would be quarantined",
    },
    "scale_connection_failed": {
        "es": "no se pudo abrir la conexión {url}: {detail}",
        "en": "could not open the connection {url}: {detail}",
    },
}
