"""User-facing text of attribution, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    # path files
    "attribution_file_missing": {
        "es": "No se encuentra el archivo de recorridos {file}.",
        "en": "Path file {file} not found.",
    },
    "attribution_file_unreadable": {
        "es": "No se pudo leer {file} como CSV: {detail}",
        "en": "Could not read {file} as CSV: {detail}",
    },
    "attribution_file_empty": {
        "es": "{file} no tiene filas de recorridos.",
        "en": "{file} has no path rows.",
    },
    "attribution_column_missing": {
        "es": "{file} no tiene la columna «{column}». Columnas del archivo: {columns}. "
        "¿Quisiste decir {suggestion}? Indícala con {option}.",
        "en": "{file} has no column '{column}'. The file's columns: {columns}. "
        "Did you mean {suggestion}? Name it with {option}.",
    },
    "attribution_bad_number": {
        "es": "{file}, fila {row}, columna «{column}»: «{value}» no es un número.",
        "en": "{file}, row {row}, column '{column}': '{value}' is not a number.",
    },
    "attribution_negative_number": {
        "es": "{file}, fila {row}, columna «{column}»: «{value}» es negativo; "
        "los recuentos y valores no pueden serlo.",
        "en": "{file}, row {row}, column '{column}': '{value}' is negative; "
        "counts and values cannot be.",
    },
    "attribution_empty_path": {
        "es": "{file}, fila {row}, columna «{column}»: el recorrido está vacío.",
        "en": "{file}, row {row}, column '{column}': the path is empty.",
    },
    "attribution_empty_touch": {
        "es": "{file}, fila {row}, columna «{column}»: el recorrido «{path}» tiene un punto de "
        "contacto vacío (¿separador al principio, al final o repetido?).",
        "en": "{file}, row {row}, column '{column}': the path '{path}' has an empty touch "
        "(separator at the start, at the end or twice?).",
    },
    "attribution_separator_unknown": {
        "es": "{file}, fila {row}, columna «{column}»: ningún recorrido usa el separador "
        "«{separator}», pero este usa «{found}». Indica --separator '{found}'.",
        "en": "{file}, row {row}, column '{column}': no path uses the separator "
        "'{separator}', but this one uses '{found}'. Pass --separator '{found}'.",
    },
    "attribution_separator_empty": {
        "es": "El separador de recorridos no puede estar vacío.",
        "en": "The path separator cannot be empty.",
    },
    "attribution_no_paths": {
        "es": "No hay recorridos que atribuir (ninguno con conversiones ni nulos).",
        "en": "There are no paths to attribute (none with conversions or nulls).",
    },
    # options
    "attribution_unknown_model": {
        "es": "Modelo de atribución desconocido «{name}». ¿Quisiste decir {suggestion}?",
        "en": "Unknown attribution model '{name}'. Did you mean {suggestion}?",
    },
    "attribution_no_model": {
        "es": "Elige al menos un modelo: {known}.",
        "en": "Choose at least one model: {known}.",
    },
    "attribution_bad_order": {
        "es": "Orden de Markov «{value}» no válido: usa un entero de 1 a {most}.",
        "en": "Invalid Markov order '{value}': use a whole number from 1 to {most}.",
    },
    "attribution_bad_half_life": {
        "es": "Semivida «{value}» no válida: usa un número positivo de contactos.",
        "en": "Invalid half-life '{value}': use a positive number of touches.",
    },
    "attribution_bad_position": {
        "es": "Reparto por posición «{value}» no válido: tres partes no negativas "
        "(primero, medio, último) que sumen 1, p. ej. 0.4,0.2,0.4.",
        "en": "Invalid position shares '{value}': three non-negative parts "
        "(first, middle, last) summing to 1, e.g. 0.4,0.2,0.4.",
    },
    "attribution_bad_characteristic": {
        "es": "Función característica de Shapley «{value}» desconocida: usa {known}.",
        "en": "Unknown Shapley characteristic '{value}': use {known}.",
    },
    "attribution_bad_bootstrap": {
        "es": "Número de remuestreos «{value}» no válido: usa 0 (sin intervalos) o al menos "
        "{least} (se aconsejan 200 o más).",
        "en": "Invalid number of resamples '{value}': use 0 (no intervals) or at least "
        "{least} (200 or more advised).",
    },
    "attribution_bad_level": {
        "es": "Nivel de confianza «{value}» no válido: usa un número entre 0 y 1, p. ej. 0.95.",
        "en": "Invalid confidence level '{value}': use a number between 0 and 1, e.g. 0.95.",
    },
    "attribution_source_choice": {
        "es": "Indica de dónde salen los recorridos: --workspace DIR o --paths ARCHIVO (solo uno).",
        "en": "Say where the paths come from: --workspace DIR or --paths FILE (only one).",
    },
    # workspace paths
    "attribution_unknown_level": {
        "es": "No se puede atribuir por «{name}». ¿Quisiste decir {suggestion}?",
        "en": "Cannot attribute by '{name}'. Did you mean {suggestion}?",
    },
    "attribution_needs_map": {
        "es": "Atribuir por punto de contacto necesita un mapa del recorrido que diga qué "
        "eventos son cada punto de contacto: pasa --map MAPA.yaml.",
        "en": "Attributing by touchpoint needs a journey map that says which events are each "
        "touchpoint: pass --map MAP.yaml.",
    },
    "attribution_unknown_conversion": {
        "es": "Ningún evento se llama «{name}», así que no hay conversiones. "
        "¿Quisiste decir {suggestion}? Indícalo con --conversion.",
        "en": "No event is named '{name}', so there are no conversions. "
        "Did you mean {suggestion}? Name it with --conversion.",
    },
    # output
    "attribution_title": {
        "es": "Atribución: conversiones por canal y modelo",
        "en": "Attribution: conversions per channel and model",
    },
    "attribution_title_value": {
        "es": "Atribución: valor por canal y modelo",
        "en": "Attribution: value per channel and model",
    },
    "attribution_chart_title": {
        "es": "Conversiones atribuidas por modelo",
        "en": "Attributed conversions by model",
    },
    "attribution_summary": {
        "es": "{conversions} conversiones, {nulls} recorridos sin conversión, {paths} recorridos "
        "distintos, {channels} canales.",
        "en": "{conversions} conversions, {nulls} journeys without conversion, {paths} distinct "
        "paths, {channels} channels.",
    },
    "attribution_unattributed": {
        "es": "{conversions} conversiones sin ningún contacto en la ventana no se atribuyen.",
        "en": "{conversions} conversions with no touch in the window are not attributed.",
    },
    "attribution_shapley_sampled": {
        "es": "Shapley muestreado con {permutations} permutaciones; error típico máximo: "
        "{error} conversiones.",
        "en": "Shapley sampled with {permutations} permutations; largest standard error: "
        "{error} conversions.",
    },
    "attribution_bootstrap_progress": {
        "es": "Remuestreando clientes",
        "en": "Resampling customers",
    },
    "attribution_bootstrap_summary": {
        "es": "Intervalos del {level} (bajo cada cifra) por bootstrap: {resamples} remuestreos "
        "de los {journeys} recorridos, semilla {seed}, método de percentiles; {seconds} s.",
        "en": "{level} intervals (under each figure) by bootstrap: {resamples} resamples of the "
        "{journeys} journeys, seed {seed}, percentile method; {seconds} s.",
    },
    "attribution_not_significant_title": {
        "es": "No significativamente distintos (el intervalo del {level} de su diferencia en "
        "conversiones incluye 0; el orden entre ellos puede deberse al azar de la muestra):",
        "en": "Not significantly different (the {level} interval of their difference in "
        "conversions includes 0; their order may be an accident of the sample):",
    },
    "attribution_not_significant_pair": {
        "es": "{model}: {channel} frente a {next_channel}, diferencia {difference} "
        "(de {low} a {high})",
        "en": "{model}: {channel} vs {next_channel}, difference {difference} ({low} to {high})",
    },
    "attribution_all_significant": {
        "es": "En todos los modelos, cada canal se distingue del siguiente (intervalos del "
        "{level} de la diferencia sin el 0).",
        "en": "In every model, each channel is distinguishable from the next one down ({level} "
        "intervals of the difference exclude 0).",
    },
    "attribution_chart_written": {
        "es": "Gráfico escrito en {path}",
        "en": "Chart written to {path}",
    },
    "attribution_col_channel": {"es": "Canal", "en": "Channel"},
    "attribution_col_model": {"es": "Modelo", "en": "Model"},
    "attribution_col_conversions": {"es": "Conversiones", "en": "Conversions"},
    "attribution_col_value": {"es": "Valor", "en": "Value"},
    "attribution_model_first_touch": {"es": "Primer contacto", "en": "First touch"},
    "attribution_model_last_touch": {"es": "Último contacto", "en": "Last touch"},
    "attribution_model_linear": {"es": "Lineal", "en": "Linear"},
    "attribution_model_time_decay": {"es": "Decaimiento temporal", "en": "Time decay"},
    "attribution_model_position_based": {"es": "Por posición", "en": "Position based"},
    "attribution_model_markov": {
        "es": "Markov (efecto de eliminación)",
        "en": "Markov (removal effect)",
    },
    "attribution_model_shapley": {"es": "Valor de Shapley", "en": "Shapley value"},
}
