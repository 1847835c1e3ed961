"""User-facing text of the side panel a stage or touchpoint opens on the map, in Spanish and
English (merged into recorrido.i18n beside ``web/messages.py``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "web_panel_close": {"es": "Cerrar el panel", "en": "Close the panel"},
    "web_panel_stage": {"es": "Etapa", "en": "Stage"},
    "web_panel_touchpoint": {"es": "Punto de contacto", "en": "Touchpoint"},
    "web_panel_phase_before": {"es": "antes de la compra", "en": "before the purchase"},
    "web_panel_phase_during": {"es": "durante la compra", "en": "during the purchase"},
    "web_panel_phase_after": {"es": "después de la compra", "en": "after the purchase"},
    "web_panel_customers": {"es": "Clientes", "en": "Customers"},
    "web_panel_events": {"es": "Eventos", "en": "Events"},
    "web_panel_from_previous": {"es": "Desde la etapa anterior", "en": "From the previous stage"},
    "web_panel_from_first": {"es": "Desde la primera etapa", "en": "From the first stage"},
    "web_panel_dropped": {"es": "Abandonan aquí", "en": "Drop out here"},
    "web_panel_median_hours": {
        "es": "Horas hasta la siguiente (mediana)",
        "en": "Hours to the next (median)",
    },
    "web_panel_entry": {"es": "Entrada más frecuente", "en": "Most frequent entry"},
    "web_panel_exit": {"es": "Salida más frecuente", "en": "Most frequent exit"},
    "web_panel_conversion_with": {"es": "Conversión si lo usan", "en": "Conversion if used"},
    "web_panel_conversion_without": {
        "es": "Conversión si no lo usan",
        "en": "Conversion if not used",
    },
    "web_panel_channels": {"es": "Canales", "en": "Channels"},
    "web_panel_funnel_stages": {
        "es": "Embudo de etapas hasta aquí",
        "en": "Stage funnel up to here",
    },
    "web_panel_funnel_goal": {
        "es": "De este punto de contacto al objetivo (30 días)",
        "en": "From this touchpoint to the goal (30 days)",
    },
    "web_panel_goal": {"es": "objetivo", "en": "goal"},
    "web_panel_step": {"es": "Paso", "en": "Step"},
    "web_panel_no_funnel": {
        "es": "Sin embudo: el mapa no tiene un punto de contacto objetivo, o este no se mide.",
        "en": "No funnel: the map has no goal touchpoint, or this one is not measured.",
    },
    "web_panel_feedback": {"es": "Lo que dicen en esta etapa", "en": "What customers say here"},
    "web_panel_answers": {"es": "Respuestas", "en": "Answers"},
    "web_panel_sentiment_positive": {"es": "Positivas", "en": "Positive"},
    "web_panel_sentiment_neutral": {"es": "Neutras", "en": "Neutral"},
    "web_panel_sentiment_negative": {"es": "Negativas", "en": "Negative"},
    "web_panel_intervals": {
        "es": "Entre paréntesis, intervalos del 95 % (Wilson para las proporciones).",
        "en": "In brackets, 95 % intervals (Wilson for the shares).",
    },
    "web_panel_predictions": {"es": "Predicciones", "en": "Predictions"},
    "web_panel_model": {"es": "Modelo", "en": "Model"},
    "web_panel_mean_score": {"es": "Puntuación media", "en": "Mean score"},
    "web_panel_predictions_help": {
        "es": "Clientes cuya etapa más avanzada es esta, con puntuación en la tabla predictions.",
        "en": "Customers whose furthest stage is this one, with a score in the predictions table.",
    },
    "web_panel_friction": {"es": "Fricción aquí", "en": "Friction here"},
    "web_panel_friction_none": {
        "es": "La página de fricción no encontró nada en este punto con este filtro.",
        "en": "The friction page found nothing here under this filter.",
    },
    "web_panel_friction_more": {
        "es": "{n} hallazgos más aquí en la página de fricción",
        "en": "{n} more findings here on the friction page",
    },
    "web_panel_friction_all": {"es": "Ver la página de fricción", "en": "Open the friction page"},
    "web_panel_friction_not_yet": {
        "es": "La fricción con este filtro aún no está calculada (tarda unos segundos con "
        "muchos eventos): calcúlala en la página de fricción.",
        "en": "Friction under this filter is not worked out yet (it takes seconds on many "
        "events): run it on the friction page.",
    },
    "web_panel_feedback_touchpoint": {
        "es": "Lo que dicen en este punto de contacto",
        "en": "What customers say at this touchpoint",
    },
    "web_panel_predictions_touchpoint_help": {
        "es": "Clientes cuyo último punto de contacto es este, con puntuación en la tabla "
        "predictions.",
        "en": "Customers whose latest touchpoint is this one, with a score in the predictions "
        "table.",
    },
}
