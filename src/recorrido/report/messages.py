"""User-facing text of the report part, in Spanish and English (merged into recorrido.i18n).

The report's own words (headings, labels, readings) live here; the map's texts are shown as the
team wrote them.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # page
    "report_title": {"es": "Mapa del recorrido del cliente", "en": "Customer journey map"},
    "report_measured_at": {
        "es": "Medido con los datos hasta el {when}",
        "en": "Measured on the data up to {when}",
    },
    "report_period_range": {"es": "periodo: {start} – {end}", "en": "period: {start} – {end}"},
    "report_segment": {"es": "segmento: {segment}", "en": "segment: {segment}"},
    "report_inactivity": {
        "es": "abandono tras {inactivity} sin actividad",
        "en": "dropped after {inactivity} without activity",
    },
    "report_footer": {
        "es": "Hecho con recorrido el {when}. Este archivo contiene todo lo que muestra: se abre "
        "sin conexión y no hace ninguna petición a internet. Imprímelo en A3 apaisado.",
        "en": "Made with recorrido on {when}. This file holds everything it shows: it opens "
        "offline and makes no request to the internet. Print it on A3 landscape.",
    },
    # header figures
    "report_kpi_customers": {"es": "clientes", "en": "customers"},
    "report_kpi_events": {"es": "eventos", "en": "events"},
    "report_kpi_converted": {
        "es": "llegan al objetivo ({goal})",
        "en": "reach the goal ({goal})",
    },
    "report_kpi_unmapped": {
        "es": "eventos fuera del mapa",
        "en": "events outside the map",
    },
    "report_kpi_unmapped_events": {"es": "{n} eventos", "en": "{n} events"},
    # personas and objectives
    "report_personas": {"es": "Personas (perfiles de cliente)", "en": "Personas"},
    "report_persona_demographics": {"es": "Perfil", "en": "Profile"},
    "report_persona_income": {"es": "Ingresos", "en": "Income"},
    "report_persona_needs": {"es": "Necesita", "en": "Needs"},
    "report_persona_tastes": {"es": "Gustos", "en": "Tastes"},
    "report_persona_customers": {
        "es": "En los datos: {n} clientes cumplen su regla",
        "en": "In the data: {n} customers match their rule",
    },
    "report_persona_rule_no_events": {
        "es": "Tiene regla de datos; el informe se hizo sin los eventos para contarla",
        "en": "Has a data rule; the report was made without the events to count it",
    },
    "report_persona_no_rule": {
        "es": "Sin regla de datos: no se puede contar en los datos",
        "en": "No data rule: cannot be counted in the data",
    },
    "report_no_personas": {"es": "El mapa no describe personas.", "en": "The map has no personas."},
    "report_objectives": {"es": "Objetivos", "en": "Objectives"},
    "report_objective_target": {"es": "Meta", "en": "Target"},
    "report_objective_measured": {"es": "Medido", "en": "Measured"},
    "report_objective_met": {"es": "cumplido", "en": "met"},
    "report_objective_missed": {"es": "no cumplido", "en": "not met"},
    "report_objective_not_measurable": {
        "es": "recorrido no calcula esta métrica a partir de su texto; usa un nombre conocido "
        "(goal_conversion, stage_conversion…) para medirla.",
        "en": "recorrido does not compute this metric from its wording; use a known name "
        "(goal_conversion, stage_conversion…) to measure it.",
    },
    "report_objective_no_value": {
        "es": "Los datos no dan un valor para esta métrica.",
        "en": "The data give no value for this metric.",
    },
    "report_objective_stage": {
        "es": "{stage}: {customers} clientes",
        "en": "{stage}: {customers} customers",
    },
    "report_no_objectives": {
        "es": "El mapa no tiene objetivos.",
        "en": "The map has no objectives.",
    },
    # the map
    "report_map_title": {"es": "El mapa", "en": "The map"},
    "report_phase_before": {"es": "Antes de la compra", "en": "Before the purchase"},
    "report_phase_during": {"es": "Durante la compra", "en": "During the purchase"},
    "report_phase_after": {"es": "Después de la compra", "en": "After the purchase"},
    "report_phase_none": {"es": "Sin fase", "en": "No phase"},
    # when the goal is not a purchase (a loan approved, a claim settled): neutral phase names
    "report_phase_before_goal": {"es": "Antes del objetivo", "en": "Before the goal"},
    "report_phase_during_goal": {"es": "Al llegar al objetivo", "en": "Reaching the goal"},
    "report_phase_after_goal": {"es": "Después del objetivo", "en": "After the goal"},
    "report_mode_self-service": {"es": "autoservicio", "en": "self-service"},
    "report_mode_assisted": {"es": "asistido", "en": "assisted"},
    "report_legend_band": {
        "es": "siguen a la etapa siguiente",
        "en": "go on to the next stage",
    },
    "report_legend_drop": {"es": "no llegan a la siguiente", "en": "do not reach the next"},
    "report_legend_entry": {
        "es": "llegan sin pasar por la anterior",
        "en": "arrive without the previous stage",
    },
    "report_legend_goal": {"es": "objetivo del mapa: {goal}", "en": "the map's goal: {goal}"},
    "report_lane_stage": {"es": "Etapa", "en": "Stage"},
    "report_lane_flow": {"es": "Clientes", "en": "Customers"},
    "report_lane_flow_how": {
        "es": "barra: clientes que llegan a la etapa; banda: los que siguen a la siguiente",
        "en": "bar: customers who reach the stage; band: those who go on to the next",
    },
    "report_customers_word": {"es": "clientes", "en": "customers"},
    "report_from_previous": {
        "es": "{share} desde la etapa anterior",
        "en": "{share} from the previous stage",
    },
    "report_dropped": {"es": "{n} abandonan aquí", "en": "{n} drop off here"},
    "report_time_to_next": {
        "es": "a la siguiente: mediana {median}, p90 {p90}",
        "en": "to the next: median {median}, p90 {p90}",
    },
    "report_time_to_next_none": {
        "es": "a la siguiente: sin clientes que la alcancen",
        "en": "to the next: no customer reaches it",
    },
    "report_entry": {"es": "entrada principal: {name}", "en": "main entry: {name}"},
    "report_stage_unmeasured": {
        "es": "ningún punto de contacto de la etapa tiene regla de datos",
        "en": "no touchpoint of this stage has a data rule",
    },
    "report_lane_goals": {"es": "Objetivos del cliente", "en": "Customer goals"},
    "report_lane_needs": {"es": "Necesidades", "en": "Needs"},
    "report_lane_activities": {"es": "Actividades", "en": "Activities"},
    "report_lane_touchpoints": {"es": "Puntos de contacto", "en": "Touchpoints"},
    "report_lane_emotion": {"es": "Emoción", "en": "Emotion"},
    "report_lane_pain_points": {"es": "Puntos de dolor", "en": "Pain points"},
    "report_lane_opportunities": {"es": "Oportunidades", "en": "Opportunities"},
    "report_lane_moments_of_truth": {"es": "Momentos de la verdad", "en": "Moments of truth"},
    "report_lane_resources": {"es": "Responsables y recursos", "en": "Owners and resources"},
    "report_lane_notes": {"es": "Notas de campo", "en": "Field notes"},
    "report_channel_none": {"es": "sin canal", "en": "no channel"},
    "report_channel_email": {"es": "correo", "en": "email"},
    "report_channel_phone": {"es": "teléfono", "en": "phone"},
    "report_channel_store": {"es": "tienda", "en": "store"},
    "report_channel_social": {"es": "redes sociales", "en": "social"},
    "report_channel_ads": {"es": "publicidad", "en": "ads"},
    "report_tp_volume": {
        "es": "{events} eventos · {customers} clientes",
        "en": "{events} events · {customers} customers",
    },
    "report_tp_conversion": {
        "es": "conversión {yes} con él, {no} sin él",
        "en": "conversion {yes} with it, {no} without",
    },
    "report_tp_unmeasured": {
        "es": "no medido: sin regla de datos",
        "en": "not measured: no data rule",
    },
    "report_emotion_designed": {"es": "emoción diseñada", "en": "designed emotion"},
    "report_emotion_measured": {"es": "emoción medida", "en": "measured emotion"},
    "report_emotion_legend_designed": {
        "es": "línea: la emoción esperada del mapa (de -2 a +2)",
        "en": "line: the map's expected emotion (-2 to +2)",
    },
    "report_emotion_legend_both": {
        "es": "continua: esperada; discontinua: medida (opiniones de clientes)",
        "en": "solid: expected; dashed: measured (customer feedback)",
    },
    "report_emotion_no_measured": {
        "es": "La curva de emoción es la diseñada en el mapa. No hay emoción medida: este "
        "espacio no tiene opiniones de clientes (encuestas, NPS, reseñas), y recorrido no la "
        "deduce del comportamiento.",
        "en": "The emotion curve is the one designed in the map. There is no measured emotion: "
        "this workspace holds no customer feedback (surveys, NPS, reviews), and recorrido does "
        "not infer it from behaviour.",
    },
    # confidence intervals and significance
    "report_ci_legend": {
        "es": "Entre paréntesis, el intervalo de confianza del 95 % de cada tasa (Wilson score). "
        "«No significativa»: el intervalo del 95 % de la diferencia (Newcombe) incluye el 0, "
        "así que los datos no distinguen las dos tasas.",
        "en": "In brackets, each rate's 95 % confidence interval (Wilson score). "
        "'Not significant': the 95 % interval of the difference (Newcombe) includes 0, so the "
        "data do not tell the two rates apart.",
    },
    "report_not_significant": {"es": "no significativa", "en": "not significant"},
    "report_significant": {"es": "significativa", "en": "significant"},
    "report_difference": {
        "es": "diferencia {diff} (IC 95 %: {interval})",
        "en": "difference {diff} (95 % CI: {interval})",
    },
    "report_vs_rest": {"es": "{diff} frente al resto", "en": "{diff} vs the rest"},
    "report_vs_rest_title": {
        "es": "resto: {rest}; diferencia {diff} (IC 95 %: {interval})",
        "en": "the rest: {rest}; difference {diff} (95 % CI: {interval})",
    },
    # segments (a measured map with a breakdown)
    "report_segments_title": {
        "es": "Segmentos: conversión por etapa frente al resto",
        "en": "Segments: stage conversion against the rest",
    },
    "report_segments_by": {"es": "por {by}", "en": "by {by}"},
    "report_breakdown_persona": {"es": "arquetipo (persona)", "en": "persona"},
    "report_breakdown_channel": {
        "es": "canal del primer evento",
        "en": "channel of the first event",
    },
    "report_segment_col": {"es": "Segmento", "en": "Segment"},
    "report_segment_none": {"es": "(ninguno)", "en": "(none)"},
    "report_segments_how": {
        "es": "Cada casilla: clientes del segmento que llegan a la etapa y, desde la etapa "
        "anterior, su conversión con su intervalo del 95 % (Wilson), comparada con la del "
        "resto de clientes (diferencia en puntos porcentuales; intervalo de Newcombe).",
        "en": "Each cell: the segment's customers who reach the stage and, from the previous "
        "stage, their conversion with its 95 % interval (Wilson), compared with that of the rest "
        "of the customers (difference in percentage points; Newcombe interval).",
    },
    # charts
    "report_charts_title": {"es": "Lo que muestran los datos", "en": "What the data show"},
    "report_chart_funnel": {"es": "Embudo de etapas", "en": "Stage funnel"},
    "report_chart_funnel_how": {
        "es": "Embudo ordenado por las etapas con clientes, en el orden del mapa; cada etapa "
        "cuenta dentro de {window} desde la primera.",
        "en": "Ordered funnel through the stages that have customers, in map order; each stage "
        "counts within {window} of the first.",
    },
    "report_chart_funnel_short": {
        "es": "Hace falta que al menos dos etapas tengan clientes para dibujar el embudo.",
        "en": "At least two stages need customers to draw the funnel.",
    },
    "report_window": {"es": "en {window}", "en": "within {window}"},
    "report_chart_sankey": {
        "es": "Primeros pasos del recorrido",
        "en": "First steps of the journey",
    },
    "report_chart_sankey_how": {
        "es": "Los primeros {steps} puntos de contacto de cada cliente, uno tras otro (las "
        "repeticiones seguidas cuentan una vez); el grosor es el número de clientes. Cada "
        "nodo está en la columna de su paso; «Fin del recorrido» recoge a quienes no dieron "
        "otro paso, también a quienes solo tienen uno.",
        "en": "Each customer's first {steps} touchpoints, one after the other (repeats in a row "
        "count once); the width is the number of customers. Each node sits in its step's "
        "column; 'Journey ends' gathers those who took no further step, including those with "
        "only one.",
    },
    "report_chart_sankey_empty": {
        "es": "Ningún cliente tiene dos puntos de contacto seguidos: no hay flujos que dibujar.",
        "en": "No customer has two touchpoints in a row: there are no flows to draw.",
    },
    "report_sankey_step": {"es": "paso", "en": "step"},
    "report_sankey_end": {"es": "Fin del recorrido", "en": "Journey ends"},
    "report_chart_paths": {"es": "Recorridos más comunes", "en": "Most common journeys"},
    "report_chart_paths_how": {
        "es": "Los {n} recorridos completos más frecuentes, por puntos de contacto (las "
        "repeticiones seguidas cuentan una vez).",
        "en": "The {n} most frequent whole journeys, by touchpoint (repeats in a row count once).",
    },
    "report_paths_more": {"es": "→ … (+{n} pasos)", "en": "→ … (+{n} steps)"},
    "report_col_customers": {"es": "clientes", "en": "customers"},
    "report_chart_retention": {"es": "Retención por cohortes", "en": "Retention by cohort"},
    "report_chart_retention_how": {
        "es": "Clientes agrupados por la {unit} de su primer evento; cada casilla es la parte "
        "que vuelve a tener actividad n periodos después.",
        "en": "Customers grouped by the {unit} of their first event; each cell is the share "
        "active again n periods later.",
    },
    "report_chart_needs_events": {
        "es": "Este gráfico necesita los eventos: crea el informe con «recorrido report» o "
        "pasa source= a to_html().",
        "en": "This chart needs the events: make the report with 'recorrido report' or pass "
        "source= to to_html().",
    },
    "report_period_week": {"es": "semana", "en": "week"},
    "report_period_month": {"es": "mes", "en": "month"},
    # readings
    "report_reading_funnel": {
        "es": "{share} de los clientes que llegan a «{source}» no llegan a «{target}» después, "
        "en el orden de las etapas, {window} ({lost} de {total}).",
        "en": "{share} of the customers who reach '{source}' do not reach '{target}' after it, "
        "in stage order, {window} ({lost} of {total}).",
    },
    "report_reading_funnel_vs_map": {
        "es": "El mapa cuenta {map_count} clientes en «{stage}»: todos los que llegaron en el "
        "periodo. Este embudo cuenta {funnel_count}: los que llegaron después de «{first}», en "
        "el orden de las etapas, {window}.",
        "en": "The map counts {map_count} customers at '{stage}': everyone who got there in the "
        "period. This funnel counts {funnel_count}: those who got there after '{first}', in "
        "stage order, {window}.",
    },
    "report_reading_funnel_empty": {
        "es": "Ningún cliente llega a «{first}».",
        "en": "No customer reaches '{first}'.",
    },
    "report_reading_funnel_none_lost": {
        "es": "Todos los clientes que empiezan el embudo llegan al final {window}.",
        "en": "Every customer who starts the funnel reaches its end {window}.",
    },
    "report_reading_flows": {
        "es": "El primer paso más común es de «{source}» a «{target}» ({customers} clientes).",
        "en": "The most common first step is from '{source}' to '{target}' ({customers} "
        "customers).",
    },
    "report_reading_paths": {
        "es": "El recorrido más común, «{path}», es el de {customers} de {total} clientes "
        "({share}).",
        "en": "The most common journey, '{path}', is that of {customers} of {total} customers "
        "({share}).",
    },
    "report_reading_retention": {
        "es": "De los {size} clientes que llegaron la {unit} del {when}, el {share} vuelve el "
        "periodo siguiente y el {last_share} {last} periodos después.",
        "en": "Of the {size} customers who arrived in the {unit} of {when}, {share} come back the "
        "next period and {last_share} {last} periods later.",
    },
    "report_reading_retention_one": {
        "es": "De los {size} clientes que llegaron la {unit} del {when}, el {share} vuelve el "
        "periodo siguiente.",
        "en": "Of the {size} customers who arrived in the {unit} of {when}, {share} come back the "
        "next period.",
    },
    "report_reading_retention_none": {
        "es": "De los {size} clientes que llegaron la {unit} del {when}, ninguno ha vuelto "
        "todavía en los datos.",
        "en": "Of the {size} customers who arrived in the {unit} of {when}, none has come back "
        "yet in the data.",
    },
    "report_reading_retention_small": {
        "es": "Ninguna cohorte por {unit} tiene {floor} clientes o más (la mayor tiene {size}): "
        "son muy pocos para leer en ellos una tasa de vuelta.",
        "en": "No cohort by {unit} has {floor} customers or more (the largest has {size}): too "
        "few to read a return rate from.",
    },
    "report_reading_unmapped": {
        "es": "{share} de los eventos ({events}) no corresponde a ningún punto de contacto del "
        "mapa: son huecos del mapa.",
        "en": "{share} of the events ({events}) match no touchpoint of the map: they are the "
        "map's holes.",
    },
    "report_reading_unmapped_none": {
        "es": "Los {events} eventos corresponden a algún punto de contacto del mapa: no hay "
        "huecos.",
        "en": "All {events} events match a touchpoint of the map: there are no holes.",
    },
    "report_reading_segments": {
        "es": "La mayor diferencia significativa: de «{source}» a «{target}», los clientes de "
        "«{segment}» convierten {share} frente a {rest} del resto ({diff}).",
        "en": "The largest significant difference: from '{source}' to '{target}', customers of "
        "'{segment}' convert {share} against {rest} for the rest ({diff}).",
    },
    "report_reading_segments_none": {
        "es": "Ninguna diferencia de conversión entre un segmento y el resto es significativa "
        "al 95 %.",
        "en": "No conversion difference between a segment and the rest is significant at 95 %.",
    },
    "report_funnel_from_previous": {
        "es": "desde el paso anterior: {share}",
        "en": "from the previous step: {share}",
    },
    "report_ci_whiskers": {"es": "intervalo del 95 % (Wilson)", "en": "95 % interval (Wilson)"},
    "report_of_customers": {"es": "{k} de {n} clientes", "en": "{k} of {n} customers"},
    "report_reading_stage_gap": {
        "es": "{share} de los clientes de «{source}» no llegan a «{target}».",
        "en": "{share} of the customers of '{source}' do not reach '{target}'.",
    },
    # durations
    "report_unit_days": {"es": "{n} días", "en": "{n} days"},
    "report_duration_minutes": {"es": "{n} minutos", "en": "{n} minutes"},
    "report_duration_hours": {"es": "{n} horas", "en": "{n} hours"},
    "report_duration_days": {"es": "{n} días", "en": "{n} days"},
    "report_duration_weeks": {"es": "{n} semanas", "en": "{n} weeks"},
    # command line and export
    "report_written": {
        "es": "Informe escrito en {path} (ábrelo en el navegador; funciona sin conexión)",
        "en": "Report written to {path} (open it in a browser; it works offline)",
    },
    "report_exported": {"es": "Exportado: {path}", "en": "Exported: {path}"},
    "report_export_needs_playwright": {
        "es": "Exportar a PNG o PDF necesita Playwright: pip install 'recorrido[export]' "
        "(y Chromium: apt-get install chromium). Detalle: {detail}",
        "en": "Exporting to PNG or PDF needs Playwright: pip install 'recorrido[export]' "
        "(and Chromium: apt-get install chromium). Detail: {detail}",
    },
    "report_export_no_chromium": {
        "es": "No se encuentra Chromium en {path}. Instálalo (apt-get install chromium) o indica "
        "su ruta en RECORRIDO_CHROMIUM.",
        "en": "Chromium not found at {path}. Install it (apt-get install chromium) or give its "
        "path in RECORRIDO_CHROMIUM.",
    },
    "report_export_failed": {
        "es": "No se pudo exportar {path}: {detail}",
        "en": "Could not export {path}: {detail}",
    },
    "report_output_is_folder": {
        "es": "{path} es una carpeta; indica un archivo, p. ej. -o informe.html",
        "en": "{path} is a folder; give a file, e.g. -o report.html",
    },
    # what customers say (feedback section, report/feedback_section.py)
    "report_feedback_title": {"es": "Lo que dicen los clientes", "en": "What customers say"},
    "report_feedback_reading": {
        "es": "{answers} opiniones en {stages} etapas del mapa.",
        "en": "{answers} answers at {stages} stages of the map.",
    },
    "report_feedback_unplaced": {
        "es": "{count} más sin etapa (no se sabe dónde estaba el cliente).",
        "en": "{count} more not placed at a stage (where the customer was is unknown).",
    },
    "report_feedback_worse": {
        "es": "Peor de lo diseñado (con el 95 % de confianza): {stages}.",
        "en": "Worse than designed (at 95 % confidence): {stages}.",
    },
    "report_feedback_stage": {"es": "etapa", "en": "stage"},
    "report_feedback_answers": {"es": "opiniones", "en": "answers"},
    "report_feedback_positive": {"es": "positivas", "en": "positive"},
    "report_feedback_neutral": {"es": "neutras", "en": "neutral"},
    "report_feedback_negative": {"es": "negativas", "en": "negative"},
    "report_feedback_measured": {
        "es": "emoción medida (diseñada)",
        "en": "measured emotion (designed)",
    },
    "report_feedback_worse_mark": {"es": "peor de lo diseñado", "en": "worse than designed"},
    "report_feedback_nps": {"es": "índice NPS", "en": "NPS"},
    "report_feedback_csat": {"es": "CSAT medio", "en": "mean CSAT"},
    "report_feedback_topics": {"es": "De qué hablan", "en": "What they talk about"},
    "report_feedback_topic_meta": {
        "es": "{texts} textos ({share}) · {negative} negativos",
        "en": "{texts} texts ({share}) · {negative} negative",
    },
    "report_feedback_how": {
        "es": "Sentimiento de cada opinión: la etiqueta del equipo o la puntuación del propio "
        "cliente (NPS 0–6 negativa, 9–10 positiva; estrellas y CSAT 1–2 / 4–5) y, en los textos "
        "sin ella, un modelo entrenado con esas etiquetas (o un léxico sin ellas). Emoción "
        "medida = 2 × (% positivas − % negativas), de −2 a +2, con su intervalo del 95 %. "
        "Temas: TF-IDF y NMF sobre los textos de cada etapa, nombrados por sus palabras, los de "
        "más textos negativos primero; las "
        "citas son textos de clientes tal como los escribieron. Todo el detalle: recorrido "
        "emotions.",
        "en": "Each answer's sentiment: the team's label or the customer's own score (NPS 0–6 "
        "negative, 9–10 positive; stars and CSAT 1–2 / 4–5) and, for texts without one, a model "
        "trained on those labels (or a lexicon without them). Measured emotion = 2 × (% "
        "positive − % negative), from −2 to +2, with its 95 % interval. Topics: TF-IDF and NMF "
        "on each stage's texts, named by their words, those with the most negative texts first; "
        "quotes are customers' texts as they "
        "wrote them. Every detail: recorrido emotions.",
    },
}
