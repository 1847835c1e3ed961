"""User-facing text of the journey part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    # loading a map
    "map_invalid": {
        "es": "{path} no es un mapa válido: {count} problema(s). El primero, en la línea {line}, "
        "columna {column}: {first} Míralos todos con: recorrido map validate {path}",
        "en": "{path} is not a valid map: {count} problem(s). The first, at line {line}, "
        "column {column}: {first} See them all with: recorrido map validate {path}",
    },
    "map_file_missing": {
        "es": "No se encuentra el mapa {path}. Crea uno con: recorrido map new -o {path}",
        "en": "Map file {path} not found. Create one with: recorrido map new -o {path}",
    },
    "map_file_unreadable": {
        "es": "No se pudo leer el mapa {path}: {detail}",
        "en": "Could not read the map {path}: {detail}",
    },
    "map_file_exists": {
        "es": "{path} ya existe; usa --force para sobrescribirlo.",
        "en": "{path} already exists; use --force to overwrite it.",
    },
    # validation problems (the code is the key without "map_")
    "map_yaml_syntax": {
        "es": "El YAML está mal formado: {problem}.",
        "en": "The YAML is malformed: {problem}.",
    },
    "map_not_a_mapping": {
        "es": "Un mapa es un objeto YAML con claves como name y stages; este archivo no lo es.",
        "en": "A map is a YAML mapping with keys such as name and stages; this file is not.",
    },
    "map_unknown_key": {
        "es": "Clave desconocida «{name}».{hint} Claves posibles aquí: {known}.",
        "en": "Unknown key '{name}'.{hint} Keys allowed here: {known}.",
    },
    "map_did_you_mean": {
        "es": " ¿Quisiste decir {names}?",
        "en": " Did you mean {names}?",
    },
    "map_missing_key": {
        "es": "Falta la clave obligatoria «{name}».",
        "en": "The required key '{name}' is missing.",
    },
    "map_wrong_type": {
        "es": "«{value}» no vale aquí: se espera {expected}.",
        "en": "'{value}' does not fit here: expected {expected}.",
    },
    "map_wrong_type_number": {
        "es": "«{value}» no vale aquí: se espera {expected}. YAML lee {number} como un número; "
        "si es un nombre, escríbelo entre comillas: {quoted}.",
        "en": "'{value}' does not fit here: expected {expected}. YAML reads {number} as a "
        "number; if it is a name, write it in quotes: {quoted}.",
    },
    "map_type_text": {"es": "un texto", "en": "a text"},
    "map_type_integer": {"es": "un número entero", "en": "a whole number"},
    "map_type_number": {"es": "un número", "en": "a number"},
    "map_type_boolean": {"es": "true o false", "en": "true or false"},
    "map_type_list": {"es": "una lista", "en": "a list"},
    "map_type_mapping": {"es": "un objeto (claves y valores)", "en": "a mapping (keys and values)"},
    "map_type_names": {"es": "un nombre o una lista de nombres", "en": "a name or a list of names"},
    "map_type_value": {"es": "otro valor", "en": "another value"},
    "map_unknown_choice": {
        "es": "Valor desconocido «{value}»: usa uno de {choices}.",
        "en": "Unknown value '{value}': use one of {choices}.",
    },
    "map_out_of_range": {
        "es": "«{value}» está fuera de la escala: debe ser {limit}.",
        "en": "'{value}' is out of range: it must be {limit}.",
    },
    "map_bad_id": {
        "es": "«{value}» no es un id válido: usa letras sin tilde, cifras, - y _, "
        "empezando por letra o cifra.",
        "en": "'{value}' is not a valid id: use ASCII letters, digits, - and _, "
        "starting with a letter or digit.",
    },
    "map_empty_list": {
        "es": "«{name}» necesita al menos un elemento.",
        "en": "'{name}' needs at least one item.",
    },
    "map_invalid_value": {
        "es": "Valor no válido «{value}»: {detail}",
        "en": "Invalid value '{value}': {detail}",
    },
    "map_duplicate_id": {
        "es": "El id «{id}» ya se usa en {first}; cada id debe ser único.",
        "en": "The id '{id}' is already used at {first}; every id must be unique.",
    },
    "map_stage_without_touchpoint": {
        "es": "La etapa «{stage}» no tiene ningún punto de contacto (touchpoints).",
        "en": "Stage '{stage}' has no touchpoint.",
    },
    "map_unknown_persona": {
        "es": "No hay ninguna persona con id «{id}».{hint}",
        "en": "There is no persona with id '{id}'.{hint}",
    },
    "map_unknown_stage": {
        "es": "No hay ninguna etapa con id «{id}».{hint}",
        "en": "There is no stage with id '{id}'.{hint}",
    },
    "map_goal_invalid": {
        "es": "El objetivo (goal) indica touchpoint o event, uno de los dos.",
        "en": "The goal names either a touchpoint or an event, exactly one of them.",
    },
    "map_goal_unknown_touchpoint": {
        "es": "El objetivo (goal) nombra el punto de contacto «{id}», que no existe.{hint}",
        "en": "The goal names the touchpoint '{id}', which does not exist.{hint}",
    },
    "map_goal_unmeasured": {
        "es": "El objetivo (goal) es el punto de contacto «{id}», que no tiene regla match: "
        "no se podría medir.",
        "en": "The goal is the touchpoint '{id}', which has no match rule: it could not be "
        "measured.",
    },
    # match rules
    "map_empty_rule": {
        "es": "La regla está vacía: indica al menos uno de event, channel, where, all, any o not.",
        "en": "The rule is empty: give at least one of event, channel, where, all, any or not.",
    },
    "map_condition_operator": {
        "es": "Una condición lleva exactamente un operador (tiene: {found}). "
        "Operadores: {operators}.",
        "en": "A condition takes exactly one operator (it has: {found}). Operators: {operators}.",
    },
    "map_invalid_property_key": {
        "es": "Nombre de propiedad no válido «{name}»: no puede estar vacío ni llevar caracteres "
        "de control, ' ni ? (un mapa funciona en todos los motores y Spark no lee esos). "
        "Cualquier otro nombre vale tal cual (case:AMOUNT_REQ); el punto llega a objetos "
        "anidados (pagina.url).",
        "en": "Invalid property name '{name}': it may not be empty or hold control characters, "
        "' or ? (a map runs on every engine, and Spark cannot read those). Any other name works "
        "as written (case:AMOUNT_REQ); a dot reaches into nested objects (page.url).",
    },
    "map_invalid_regex": {
        "es": "Expresión regular no admitida «{pattern}» (carácter {position}): {reason}",
        "en": "Unsupported regular expression '{pattern}' (character {position}): {reason}",
    },
    "map_regex_invalid": {
        "es": "no es una expresión regular válida ({detail}).",
        "en": "it is not a valid regular expression ({detail}).",
    },
    "map_regex_escape": {
        "es": "el escape {detail} no significa lo mismo en todos los motores; usa \\d, \\w, "
        "\\t, \\n, \\r, \\xHH, un signo escapado (\\.) o una clase como [ \\t] o [0-9].",
        "en": "the escape {detail} does not mean the same in every engine; use \\d, \\w, "
        "\\t, \\n, \\r, \\xHH, an escaped sign (\\.) or a class such as [ \\t] or [0-9].",
    },
    "map_regex_group_syntax": {
        "es": "{detail}: no se admiten lookarounds, grupos con nombre ni opciones en línea; "
        "usa ( ) o (?: ).",
        "en": "{detail}: lookarounds, named groups and inline flags are not supported; "
        "use ( ) or (?: ).",
    },
    "map_regex_possessive": {
        "es": "el cuantificador posesivo {detail} no existe en RE2 (DuckDB).",
        "en": "the possessive quantifier {detail} does not exist in RE2 (DuckDB).",
    },
    "map_regex_brace": {
        "es": "la llave {detail} sola se lee distinto en cada motor; escríbela \\{{ o \\}}, "
        "o usa una repetición completa como {{2,5}}.",
        "en": "a lone brace {detail} is read differently by each engine; write \\{{ or \\}}, "
        "or a full repetition such as {{2,5}}.",
    },
    "map_regex_repeat_limit": {
        "es": "la repetición {detail} supera 1000, el límite de RE2 (DuckDB).",
        "en": "the repetition {detail} is above 1000, the limit of RE2 (DuckDB).",
    },
    "map_regex_class": {
        "es": "{detail} dentro de una clase [...] se lee distinto en Java (Spark); escápalo con \\ "
        "(y una clase no puede estar vacía).",
        "en": "{detail} inside a class [...] is read differently by Java (Spark); "
        "escape it with \\ (and a class cannot be empty).",
    },
    "map_regex_control_char": {
        "es": "el carácter de control {detail} debe escribirse como escape (\\t, \\n, \\xHH).",
        "en": "the control character {detail} must be written as an escape (\\t, \\n, \\xHH).",
    },
    "map_regex_engine": {
        "es": "Las condiciones con expresión regular ({pattern}) aún no corren en «{engine}»: "
        "su dialecto de expresiones regulares lee las clases según el idioma del servidor. "
        "Use equals, in, contains o prefix, o DuckDB o Spark.",
        "en": "Regular-expression conditions ({pattern}) do not run on '{engine}' yet: its "
        "regex dialect reads classes by the server's locale. Use equals, in, contains or "
        "prefix, or DuckDB or Spark.",
    },
    "map_engine_unsupported": {
        "es": "Las reglas de los mapas aún no saben leer propiedades JSON en «{engine}»; "
        "motores: {engines}.",
        "en": "Map rules cannot read JSON properties on '{engine}' yet; engines: {engines}.",
    },
    # recorrido map validate
    "map_valid": {
        "es": "{path}: mapa válido · {stages} etapas · {touchpoints} puntos de contacto "
        "({measured} con regla)",
        "en": "{path}: valid map · {stages} stages · {touchpoints} touchpoints "
        "({measured} with a rule)",
    },
    "map_problems_title": {
        "es": "{path}: {count} problema(s)",
        "en": "{path}: {count} problem(s)",
    },
    "map_col_where": {"es": "línea:col", "en": "line:col"},
    "map_col_path": {"es": "ruta", "en": "path"},
    "map_col_code": {"es": "código", "en": "code"},
    "map_col_problem": {"es": "problema", "en": "problem"},
    # recorrido map check
    "map_check_title": {
        "es": "Cobertura del mapa «{name}» sobre {events} eventos de {customers} clientes",
        "en": "Coverage of the map '{name}' over {events} events from {customers} customers",
    },
    "map_col_stage": {"es": "etapa", "en": "stage"},
    "map_col_touchpoint": {"es": "punto de contacto", "en": "touchpoint"},
    "map_col_share": {"es": "% eventos", "en": "% events"},
    "map_check_no_rule": {"es": "sin regla", "en": "no rule"},
    "map_check_holes": {
        "es": "Huecos: {unmatched} de {events} eventos ({share}) no encajan en ningún punto de "
        "contacto.",
        "en": "Holes: {unmatched} of {events} events ({share}) match no touchpoint.",
    },
    "map_check_hole_events": {
        "es": "Eventos en los huecos: {events}",
        "en": "Events in the holes: {events}",
    },
    "map_check_nothing": {
        "es": "No encuentran ningún evento: {touchpoints}",
        "en": "Match nothing: {touchpoints}",
    },
    "map_check_unmeasured": {
        "es": "Sin regla match (no se miden): {touchpoints}",
        "en": "No match rule (not measured): {touchpoints}",
    },
    "map_check_overlap": {
        "es": "{count} eventos encajan en más de un punto de contacto; al etiquetar cuenta el "
        "primero en el orden del mapa.",
        "en": "{count} events match more than one touchpoint; tagging takes the first in map "
        "order.",
    },
    # recorrido map new / templates / schema
    "map_template_unknown": {
        "es": "Plantilla desconocida «{name}». Plantillas: {names}.{hint}",
        "en": "Unknown template '{name}'. Templates: {names}.{hint}",
    },
    "map_template_written": {
        "es": "Mapa «{template}» ({language}) escrito en {path}. Valídalo con: "
        "recorrido map validate {path}",
        "en": "Map '{template}' ({language}) written to {path}. Validate it with: "
        "recorrido map validate {path}",
    },
    "map_templates_title": {"es": "Plantillas de mapa", "en": "Map templates"},
    "map_col_template": {"es": "plantilla", "en": "template"},
    "map_col_description": {"es": "descripción", "en": "description"},
    "map_schema_written": {
        "es": "Esquema JSON del mapa escrito en {path}",
        "en": "JSON Schema of the map written to {path}",
    },
}
