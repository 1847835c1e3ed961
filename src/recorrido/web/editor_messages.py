"""User-facing text of the map editor's whole-map, move and remove controls, in Spanish and
English (merged into recorrido.i18n beside ``web/messages.py``)."""

MESSAGES: dict[str, dict[str, str]] = {
    # the map as a whole
    "web_edit_map_header": {"es": "El mapa", "en": "The map"},
    "web_edit_map_name": {"es": "Nombre del mapa", "en": "Map name"},
    "web_edit_description": {"es": "Descripción", "en": "Description"},
    "web_edit_language": {
        "es": "Idioma de los textos del mapa",
        "en": "Language of the map's texts",
    },
    "web_edit_language_es": {"es": "español", "en": "Spanish"},
    "web_edit_language_en": {"es": "inglés", "en": "English"},
    "web_edit_goal": {"es": "Meta del recorrido", "en": "The journey's goal"},
    "web_edit_goal_touchpoint": {
        "es": "Llegar al punto de contacto",
        "en": "Reaching the touchpoint",
    },
    "web_edit_goal_none": {"es": "ninguno", "en": "none"},
    "web_edit_goal_event": {
        "es": "o hacer el evento (nombre exacto o patrón con *)",
        "en": "or doing the event (exact name or a pattern with *)",
    },
    "web_edit_goal_both": {
        "es": "Elige la meta como punto de contacto o como evento, no las dos cosas.",
        "en": "Choose the goal as a touchpoint or as an event, not both.",
    },
    # a stage's and a touchpoint's own fields
    "web_edit_phase": {"es": "Fase", "en": "Phase"},
    "web_edit_phase_none": {"es": "sin indicar", "en": "not set"},
    "web_edit_phase_before": {"es": "antes de la compra", "en": "before the purchase"},
    "web_edit_phase_during": {"es": "durante la compra", "en": "during the purchase"},
    "web_edit_phase_after": {"es": "después de la compra", "en": "after the purchase"},
    "web_edit_kpi_metric": {"es": "KPI: métrica", "en": "KPI: metric"},
    "web_edit_kpi_target": {"es": "KPI: meta", "en": "KPI: target"},
    "web_edit_kpi_no_metric": {
        "es": "Una meta de KPI necesita su métrica.",
        "en": "A KPI target needs its metric.",
    },
    "web_edit_tp_personas": {"es": "Personas que lo usan", "en": "Personas who use it"},
    # ids
    "web_edit_id": {
        "es": "Identificador (el del archivo y los enlaces: letras, cifras, - y _)",
        "en": "Id (the file's and the links': letters, digits, - and _)",
    },
    "web_edit_id_invalid": {
        "es": "«{id}» no sirve como identificador: letras, cifras, - y _, empezando por letra o "
        "cifra.",
        "en": "'{id}' cannot be an id: letters, digits, - and _, starting with a letter or digit.",
    },
    "web_edit_id_taken": {
        "es": "El identificador «{id}» ya lo usa otra parte del mapa.",
        "en": "The id '{id}' is already used by another part of the map.",
    },
    "web_edit_id_named_outside": {
        "es": "El identificador «{id}» se nombra fuera del mapa (automatizaciones: {files}; "
        "opiniones guardadas: {rows}): con otro identificador dejarían de encontrarlo. "
        "Cámbialo primero allí, o deja el identificador como está.",
        "en": "The id '{id}' is named outside the map (automations: {files}; stored feedback "
        "rows: {rows}): under another id they would no longer find it. Change it there first, "
        "or keep the id.",
    },
    # moving and removing
    "web_edit_move_to_stage": {"es": "Mover a la etapa", "en": "Move to the stage"},
    "web_edit_move": {"es": "Mover", "en": "Move"},
    "web_edit_remove_confirm": {
        "es": "¿Quitar «{name}» del mapa? Podrás restaurar la versión anterior.",
        "en": "Remove '{name}' from the map? You can restore the previous version.",
    },
}
