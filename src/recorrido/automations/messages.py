"""User-facing text of the automations part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    "automations_invalid": {
        "es": "{path} tiene {count} problema(s); el primero en la línea {line}, columna {column}: "
        "{first}",
        "en": "{path} has {count} problem(s); the first at line {line}, column {column}: {first}",
    },
    "automations_file_missing": {
        "es": "No se encuentra el archivo de automatización {path}.",
        "en": "Automation file {path} not found.",
    },
    "automations_file_unreadable": {
        "es": "No se pudo leer {path}: {detail}",
        "en": "Could not read {path}: {detail}",
    },
    "automations_yaml_syntax": {
        "es": "YAML mal formado: {problem}",
        "en": "Malformed YAML: {problem}",
    },
    "automations_p_not_a_mapping": {
        "es": "El archivo debe ser un mapeo (clave: valor) con id, name, entry y steps.",
        "en": "The file must be a mapping (key: value) with id, name, entry and steps.",
    },
    "automations_p_unknown_key": {
        "es": "Clave desconocida «{name}».",
        "en": "Unknown key '{name}'.",
    },
    "automations_p_missing_key": {
        "es": "Falta la clave obligatoria «{name}».",
        "en": "The required key '{name}' is missing.",
    },
    "automations_p_unknown_choice": {
        "es": "«{value}» no es válido; usa uno de: {choices}.",
        "en": "'{value}' is not valid; use one of: {choices}.",
    },
    "automations_p_bad_id": {
        "es": "«{value}» no es un id válido (letras, cifras, - y _).",
        "en": "'{value}' is not a valid id (letters, digits, - and _).",
    },
    "automations_p_empty_list": {
        "es": "La lista no puede estar vacía.",
        "en": "The list cannot be empty.",
    },
    "automations_p_out_of_range": {
        "es": "{value} está fuera del rango permitido.",
        "en": "{value} is out of the allowed range.",
    },
    "automations_p_invalid_value": {
        "es": "Valor no válido «{value}»: {detail}",
        "en": "Invalid value '{value}': {detail}",
    },
    "automations_p_wrong_type": {
        "es": "Tipo de valor equivocado.",
        "en": "Wrong type of value.",
    },
    "automations_p_bad_duration": {
        "es": "«{value}» no es una duración: escribe p. ej. 30m, 2h, 3d o 1w.",
        "en": "'{value}' is not a duration: write e.g. 30m, 2h, 3d or 1w.",
    },
    "automations_p_bad_time": {
        "es": '«{value}» no es una hora del día: escribe HH:MM entre comillas, p. ej. "09:30".',
        "en": "'{value}' is not a time of day: write HH:MM in quotes, e.g. \"09:30\".",
    },
    "automations_p_bad_language": {
        "es": "Idioma desconocido «{name}»: usa es o en.",
        "en": "Unknown language '{name}': use es or en.",
    },
    "automations_p_bad_percent": {
        "es": "El porcentaje {value} debe estar entre 0 y 100.",
        "en": "The percent {value} must be between 0 and 100.",
    },
    "automations_p_one_of": {
        "es": "Indica event o touchpoint (uno solo).",
        "en": "Give event or touchpoint (exactly one).",
    },
    "automations_p_entry_one": {
        "es": "La entrada necesita uno solo de: event, touchpoint, stage, score.",
        "en": "The entry needs exactly one of: event, touchpoint, stage, score.",
    },
    "automations_p_key_needed": {
        "es": "reentry: per_key necesita key (la propiedad que distingue cada pasada).",
        "en": "reentry: per_key needs key (the property that tells passes apart).",
    },
    "automations_p_test_subject": {
        "es": "La condición necesita uno solo de: trait, property, score.",
        "en": "The condition needs exactly one of: trait, property, score.",
    },
    "automations_p_test_operator": {
        "es": "La condición necesita un solo operador: equals, in, gt, gte, lt, lte o exists.",
        "en": "The condition needs exactly one operator: equals, in, gt, gte, lt, lte or exists.",
    },
    "automations_p_split_one": {
        "es": "Una bifurcación necesita uno solo de: condition, random, holdout.",
        "en": "A split needs exactly one of: condition, random, holdout.",
    },
    "automations_p_step_one": {
        "es": "Cada paso tiene id y un solo tipo: {kinds}.",
        "en": "Each step has an id and exactly one kind: {kinds}.",
    },
    "automations_p_duplicate_step": {
        "es": "El id de paso «{id}» ya se usa en {first}.",
        "en": "Step id '{id}' is already used at {first}.",
    },
    "automations_p_template": {
        "es": "La plantilla no se puede leer: {detail}",
        "en": "The template cannot be read: {detail}",
    },
    "automations_p_unknown_touchpoint": {
        "es": "El mapa no tiene el punto de contacto «{id}». {hint}",
        "en": "The map has no touchpoint '{id}'. {hint}",
    },
    "automations_p_unknown_stage": {
        "es": "El mapa no tiene la etapa «{id}». {hint}",
        "en": "The map has no stage '{id}'. {hint}",
    },
    "automations_p_unmeasured": {
        "es": "El punto de contacto «{id}» no tiene regla match: nunca ocurrirá en los datos.",
        "en": "Touchpoint '{id}' has no match rule: it can never happen in the data.",
    },
    "automations_needs_map": {
        "es": "La automatización usa puntos de contacto o etapas: indica el mapa con --map o la "
        "clave map:.",
        "en": "The automation uses touchpoints or stages: give the map with --map or the key map:.",
    },
    "automations_template_unknown": {
        "es": "Plantilla desconocida «{name}»; hay: {known}.",
        "en": "Unknown template '{name}'; there are: {known}.",
    },
    "automations_file_exists": {
        "es": "{path} ya existe; no lo sobrescribo.",
        "en": "{path} already exists; not overwriting it.",
    },
    "automations_bad_date": {
        "es": "«{value}» no es una fecha (AAAA-MM-DD).",
        "en": "'{value}' is not a date (YYYY-MM-DD).",
    },
    "automations_not_published": {
        "es": "La automatización «{id}» no está publicada en este espacio.",
        "en": "Automation '{id}' is not published in this workspace.",
    },
    "automations_webhook_secret": {
        "es": "Falta el secreto del webhook en la variable de entorno {name}.",
        "en": "The webhook secret is missing from the environment variable {name}.",
    },
    "automations_worker_busy": {
        "es": "Ya hay un worker llamado «{name}» en marcha (proceso {pid} en {host}, visto hace "
        "{seconds} s). Da a cada worker su propio nombre: recorrido worker --name OTRO.",
        "en": "A worker named '{name}' is already running (process {pid} on {host}, seen {seconds} "
        "s ago). Give each worker its own name: recorrido worker --name OTHER.",
    },
    "automations_smtp_missing": {
        "es": "No hay servidor SMTP configurado: define RECORRIDO_SMTP_URL (smtp://host:puerto).",
        "en": "No SMTP server configured: set RECORRIDO_SMTP_URL (smtp://host:port).",
    },
}
