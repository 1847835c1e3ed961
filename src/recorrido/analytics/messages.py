"""User-facing text of the analytics part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    # bad input
    "analytics_no_events": {
        "es": "El espacio de trabajo no tiene eventos todavía. Importa alguno con: "
        "recorrido ingest ARCHIVO --workspace CARPETA",
        "en": "The workspace has no events yet. Ingest some with: "
        "recorrido ingest FILE --workspace FOLDER",
    },
    "analytics_empty_range": {
        "es": "No hay eventos entre {start} y {end}; los eventos van del {first} al {last}.",
        "en": "No events between {start} and {end}; the events go from {first} to {last}.",
    },
    "analytics_no_cohort": {
        "es": "Ningún cliente se vio por primera vez entre {start} y {end}.",
        "en": "No customer was first seen between {start} and {end}.",
    },
    "analytics_level_empty": {
        "es": "Ningún evento tiene valor en el nivel «{level}».",
        "en": "No event has a value at the level '{level}'.",
    },
    "analytics_bad_date": {
        "es": "«{value}» no es una fecha: usa AAAA-MM-DD o una hora ISO como 2024-05-01T08:00.",
        "en": "'{value}' is not a date: use YYYY-MM-DD or an ISO time such as 2024-05-01T08:00.",
    },
    "analytics_bad_range": {
        "es": "El inicio {start} no es anterior al final {end}.",
        "en": "The start {start} is not before the end {end}.",
    },
    "analytics_bad_duration": {
        "es": "«{value}» no es una duración: usa un número positivo y una unidad, "
        "p. ej. 90s, 30m, 12h, 7d, 2w.",
        "en": "'{value}' is not a duration: use a positive number and a unit, "
        "e.g. 90s, 30m, 12h, 7d, 2w.",
    },
    "analytics_bad_period": {
        "es": "Periodo desconocido «{period}»: usa {periods}.",
        "en": "Unknown period '{period}': use {periods}.",
    },
    "analytics_unknown_name_close": {
        "es": "Ningún evento se llama «{name}» en el nivel {level}. ¿Quisiste decir {suggestion}?",
        "en": "No event at level {level} is named '{name}'. Did you mean {suggestion}?",
    },
    "analytics_unknown_name": {
        "es": "Ningún evento se llama «{name}» en el nivel {level}. Los más frecuentes: {known}.",
        "en": "No event at level {level} is named '{name}'. The most frequent: {known}.",
    },
    "analytics_unknown_level": {
        "es": "Nivel desconocido «{level}»: usa event, touchpoint o stage. "
        "¿Quisiste decir {suggestion}?",
        "en": "Unknown level '{level}': use event, touchpoint or stage. Did you mean {suggestion}?",
    },
    "analytics_level_untagged": {
        "es": "Los eventos aún no tienen la columna «{level}»: etiquétalos antes con un mapa "
        "del recorrido (--map).",
        "en": "The events have no '{level}' column yet: tag them first with a journey map (--map).",
    },
    "analytics_bad_property": {
        "es": "«{name}» no es un nombre de propiedad que este motor pueda leer: no puede estar "
        "vacío ni llevar caracteres de control (en Spark tampoco ' ni ?). Cualquier otro nombre "
        "vale tal cual (case:AMOUNT_REQ); el punto llega a claves anidadas (device.os).",
        "en": "'{name}' is not a property name this engine can read: it may not be empty or hold "
        "control characters (on Spark not ' or ? either). Any other name works as written "
        "(case:AMOUNT_REQ); a dot reaches into nested keys (device.os).",
    },
    "analytics_unknown_property_close": {
        "es": "Ningún evento analizado tiene la propiedad «{name}». ¿Quisiste decir {suggestion}?",
        "en": "No event analysed has the property '{name}'. Did you mean {suggestion}?",
    },
    "analytics_unknown_property": {
        "es": "Ningún evento analizado tiene la propiedad «{name}». Propiedades: {known}.",
        "en": "No event analysed has the property '{name}'. Properties: {known}.",
    },
    "analytics_bad_exclusion_rule": {
        "es": "Regla de exclusión desconocida «{rule}»: usa {rules} (drop: descarta el intento "
        "entero, como PostHog; cut: cuenta los pasos anteriores a la exclusión).",
        "en": "Unknown exclusion rule '{rule}': use {rules} (drop: drops the whole attempt, as "
        "PostHog does; cut: counts the steps before the exclusion).",
    },
    "analytics_bad_funnel_kind": {
        "es": "Tipo de embudo desconocido «{kind}»: usa {kinds}.",
        "en": "Unknown funnel kind '{kind}': use {kinds}.",
    },
    "analytics_bad_funnel_count": {
        "es": "No conozco el recuento «{count}»; elige uno de: {counts}.",
        "en": "Unknown count '{count}'; choose one of: {counts}.",
    },
    "analytics_funnel_step_windows": {
        "es": "Diste {given} ventanas por paso para {steps} pasos: da una por paso (la primera "
        "se ignora; deja vacía la de un paso sin límite).",
        "en": "{given} step windows were given for {steps} steps: give one per step (the first "
        "is ignored; leave a step's empty for no limit).",
    },
    "analytics_funnel_bad_optional": {
        "es": "El paso opcional {step} no vale: solo pueden ser opcionales los pasos 2 a {n}-1 "
        "(ni el primero ni el último).",
        "en": "Optional step {step} is not allowed: only steps 2 to {n}-1 can be optional "
        "(neither the first nor the last).",
    },
    "analytics_funnel_any_extension": {
        "es": "Un embudo en cualquier orden no admite ventanas por paso, pasos opcionales, "
        "entrada a mitad ni solo la primera vez.",
        "en": "An any-order funnel takes no step windows, optional steps, mid-funnel entry or "
        "first-only.",
    },
    "analytics_funnel_strict_extension": {
        "es": "Un embudo estricto no admite pasos opcionales ni entrada a mitad: sus pasos son "
        "consecutivos.",
        "en": "A strict funnel takes no optional steps or mid-funnel entry: its steps are "
        "consecutive.",
    },
    "analytics_funnel_attempts_extension": {
        "es": "Contar intentos no se combina con entrada a mitad ni con solo la primera vez.",
        "en": "Counting attempts does not combine with mid-funnel entry or first-only.",
    },
    "analytics_funnel_collapse_strict": {
        "es": "Agrupar repeticiones solo vale para embudos estrictos (--kind strict).",
        "en": "Collapsing repeats only applies to strict funnels (--kind strict).",
    },
    "analytics_funnel_people_attempts": {
        "es": "Una lista de clientes cuenta personas, no intentos: quita --count attempts.",
        "en": "A list of customers counts people, not attempts: drop --count attempts.",
    },
    "analytics_funnel_bad_step": {
        "es": "El paso {step} no existe: el embudo tiene los pasos 1 a {n}.",
        "en": "There is no step {step}: the funnel has steps 1 to {n}.",
    },
    "analytics_funnel_no_dropoff": {
        "es": "Tras el paso {step} no hay abandono que medir (es el último u opcional).",
        "en": "There is no drop-off after step {step} (it is the last or optional).",
    },
    "analytics_funnel_too_short": {
        "es": "Un embudo necesita al menos dos pasos, p. ej. --steps ver,comprar.",
        "en": "A funnel needs at least two steps, e.g. --steps view,purchase.",
    },
    "analytics_any_order_repeats": {
        "es": "Un embudo en cualquier orden no puede repetir un paso.",
        "en": "An any-order funnel cannot repeat a step.",
    },
    "analytics_strict_exclusions": {
        "es": "Un embudo estricto no admite exclusiones: entre sus pasos no cabe otro evento.",
        "en": "A strict funnel takes no exclusions: no other event can sit between its steps.",
    },
    "analytics_exclusion_is_step": {
        "es": "«{name}» es a la vez un paso y una exclusión del embudo.",
        "en": "'{name}' is both a step and an exclusion of the funnel.",
    },
    "analytics_flow_both_ends": {
        "es": "Indica un punto de inicio o uno de final para los flujos, no los dos.",
        "en": "Give the flows a start point or an end point, not both.",
    },
    "analytics_backend_unknown": {
        "es": "Motor desconocido «{name}»: usa duckdb o pyspark.",
        "en": "Unknown backend '{name}': use duckdb or pyspark.",
    },
    "analytics_spark_missing": {
        "es": "--backend pyspark necesita PySpark y Java 17: pip install 'recorrido[spark]'.",
        "en": "--backend pyspark needs PySpark and Java 17: pip install 'recorrido[spark]'.",
    },
    # drop-off drivers (recorrido drivers, analytics/drivers.py)
    "drivers_bad_scope": {
        "es": "Alcance desconocido «{scope}»: usa {scopes}.",
        "en": "Unknown scope '{scope}': use {scopes}.",
    },
    "drivers_bad_prior": {
        "es": "El valor previo (--prior) debe ser un número positivo, no «{prior}».",
        "en": "The prior (--prior) must be a positive number, not '{prior}'.",
    },
    "drivers_bad_min_support": {
        "es": "El soporte mínimo (--min-support) debe ser al menos 1, no {value}.",
        "en": "The minimum support (--min-support) must be at least 1, not {value}.",
    },
    "drivers_title": {
        "es": "Qué acompaña a pasar de «{step}» a «{next}» (alcance: {scope})",
        "en": "What goes with passing from '{step}' to '{next}' (scope: {scope})",
    },
    "drivers_summary": {
        "es": "{customers} clientes en el paso {index}: {passed} pasaron, {failed} abandonaron. "
        "{tested} rasgos probados; descartados por tener menos de {min_support} clientes con "
        "ellos o sin ellos: {dropped}. Razón de odds < 1: va con abandonar; > 1: con pasar. "
        "✓: su intervalo corregido por {tested} pruebas (Bonferroni) excluye 1. "
        "Es asociación, no causa.",
        "en": "{customers} customers at step {index}: {passed} passed, {failed} dropped. "
        "{tested} features tested; {dropped} left out for fewer than {min_support} customers "
        "with or without them. Odds ratio < 1: goes with dropping; > 1: with passing. "
        "✓: its interval corrected for {tested} tests (Bonferroni) excludes 1. "
        "Association, not cause.",
    },
    "drivers_none": {
        "es": "Ningún rasgo tiene al menos {min_support} clientes con él y otros tantos sin él.",
        "en": "No feature has at least {min_support} customers with it and as many without.",
    },
    "drivers_col_feature": {"es": "rasgo", "en": "feature"},
    "drivers_col_customers": {"es": "clientes", "en": "customers"},
    "drivers_col_rate_with": {"es": "pasan con", "en": "pass with"},
    "drivers_col_rate_without": {"es": "pasan sin", "en": "pass without"},
    "drivers_col_odds_ratio": {"es": "razón de odds\nIC 95 %", "en": "odds ratio\n95% CI"},
    "drivers_col_significant": {"es": "signif.", "en": "sig."},
    # CLI titles and columns
    "analytics_paths_title": {
        "es": "Transiciones directas ({level}): {count} pares",
        "en": "Directly-follows transitions ({level}): {count} pairs",
    },
    "analytics_funnel_title": {
        "es": "Embudo {kind}, ventana {window}",
        "en": "Funnel {kind}, window {window}",
    },
    "analytics_sessions_title": {
        "es": "Sesiones (pausa {gap})",
        "en": "Sessions (gap {gap})",
    },
    "analytics_retention_title": {
        "es": "Retención por cohorte ({period})",
        "en": "Retention by cohort ({period})",
    },
    "analytics_col_customers": {"es": "clientes", "en": "customers"},
    "analytics_col_value": {"es": "valor", "en": "value"},
    "analytics_matrix_title": {
        "es": "Matriz de pasos: qué parte de los clientes está en cada valor, paso a paso "
        "(primeros {steps})",
        "en": "Step matrix: the share of customers at each value, step by step (first {steps})",
    },
    "analytics_not_significant": {"es": "(no significativa)", "en": "(not significant)"},
    "analytics_optional": {"es": "opcional", "en": "optional"},
    "analytics_interval_note": {
        "es": "Entre corchetes: intervalo de confianza del 95 % (Wilson), en %.",
        "en": "In square brackets: 95 % confidence interval (Wilson), in %.",
    },
    "analytics_funnel_at_step": {
        "es": "{count} clientes en el paso {step}:",
        "en": "{count} customers at step {step}:",
    },
    "analytics_funnel_dropped": {
        "es": "{count} clientes abandonaron tras el paso {step}:",
        "en": "{count} customers dropped after step {step}:",
    },
    "analytics_funnel_exported": {
        "es": "Lista escrita en {path}.",
        "en": "List written to {path}.",
    },
    "analytics_funnel_next_title": {
        "es": "Qué hicieron después quienes abandonaron tras el paso {step}",
        "en": "What those who dropped after step {step} did next",
    },
    "analytics_col_events": {"es": "eventos", "en": "events"},
    "analytics_col_source": {"es": "desde", "en": "from"},
    "analytics_col_target": {"es": "hacia", "en": "to"},
    "analytics_col_count": {"es": "veces", "en": "count"},
    "analytics_col_mean_time": {"es": "tiempo medio", "en": "mean time"},
    "analytics_col_median_time": {"es": "tiempo mediano", "en": "median time"},
    "analytics_col_step": {"es": "paso", "en": "step"},
    "analytics_col_conversion": {"es": "conversión", "en": "conversion"},
    "analytics_col_from_previous": {"es": "desde el anterior", "en": "from previous"},
    "analytics_col_breakdown": {"es": "desglose", "en": "breakdown"},
    "analytics_col_period": {"es": "periodo", "en": "period"},
    "analytics_col_sessions": {"es": "sesiones", "en": "sessions"},
    "analytics_col_events_per_session": {"es": "eventos/sesión", "en": "events/session"},
    "analytics_col_single_share": {"es": "de un evento", "en": "single-event"},
    "analytics_col_cohort": {"es": "cohorte", "en": "cohort"},
    "analytics_col_size": {"es": "tamaño", "en": "size"},
}
