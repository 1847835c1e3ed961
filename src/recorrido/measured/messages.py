"""User-facing text of the measured map, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    "measure_no_persona_rules": {
        "es": "Ninguna persona del mapa tiene una regla de datos (`rule`): no se puede desglosar "
        "por persona. Añade una regla a alguna persona o usa --breakdown channel.",
        "en": "No persona in the map has a data rule (`rule`): cannot break down by persona. "
        "Add a rule to a persona or use --breakdown channel.",
    },
}

MESSAGES.update(
    {
        "measure_title": {
            "es": "Mapa medido «{name}»: {customers} clientes, {events} eventos",
            "en": "Measured map '{name}': {customers} customers, {events} events",
        },
        "measure_unmapped": {
            "es": "{share} de los eventos no corresponde a ningún punto de contacto del mapa.",
            "en": "{share} of the events match no touchpoint of the map.",
        },
        "measure_title_short": {"es": "Mapa medido «{name}»", "en": "Measured map '{name}'"},
        "measure_stages": {"es": "Etapas", "en": "Stages"},
        "measure_touchpoints": {"es": "Puntos de contacto", "en": "Touchpoints"},
        "measure_segment": {"es": "Segmento «{segment}»", "en": "Segment '{segment}'"},
        "measure_col_stage": {"es": "etapa", "en": "stage"},
        "measure_col_phase": {"es": "fase", "en": "phase"},
        "measure_col_touchpoint": {"es": "punto de contacto", "en": "touchpoint"},
        "measure_col_from_previous": {"es": "conv. desde la anterior", "en": "conv. from previous"},
        "measure_col_dropped": {"es": "se quedaron", "en": "stopped here"},
        "measure_too_short_to_stop": {
            "es": "Los datos abarcan unos {days} días, menos que la inactividad que cuenta como "
            "abandono ({inactivity}): nadie cuenta aún como «se quedaron» (cámbiala con "
            "--inactivity).",
            "en": "The data runs for about {days} days, less than the inactivity that counts as "
            "stopping ({inactivity}): nobody counts as 'stopped here' yet (change it with "
            "--inactivity).",
        },
        "measure_col_hours_to_next": {
            "es": "horas a la siguiente (mediana)",
            "en": "hours to next (median)",
        },
        "measure_col_entry": {"es": "entrada principal", "en": "top entry"},
        "measure_col_conv_with": {"es": "conv. con él", "en": "conv. with it"},
        "measure_col_conv_without": {"es": "conv. sin él", "en": "conv. without it"},
        "measure_phase_before": {"es": "antes", "en": "before"},
        "measure_phase_during": {"es": "durante", "en": "during"},
        "measure_phase_after": {"es": "después", "en": "after"},
    }
)
