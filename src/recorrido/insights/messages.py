"""User-facing text of the insights part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    "insights_no_goal": {
        "es": "El mapa «{name}» no tiene meta (`goal`): sin ella no se puede medir el efecto en "
        "la conversión. Añade `goal: {{touchpoint: ...}}` al mapa.",
        "en": "The map '{name}' has no goal (`goal`): without it the effect on conversion cannot "
        "be measured. Add `goal: {{touchpoint: ...}}` to the map.",
    },
    "insights_unknown_kind": {
        "es": "Tipo de hallazgo desconocido «{name}». Tipos: {known}.",
        "en": "Unknown finding kind '{name}'. Kinds: {known}.",
    },
    "insights_no_goal_event": {
        "es": "No encuentro el evento meta «{name}» en los datos. ¿Quisiste decir {suggestion}?",
        "en": "The goal event '{name}' is not in the data. Did you mean {suggestion}?",
    },
    "insights_too_few_events": {
        "es": "Hay muy pocos eventos distintos para proponer un mapa (al menos 2).",
        "en": "Too few distinct events to propose a map (at least 2 are needed).",
    },
    # finding sentences
    "insight_loop": {
        "es": "{customers} clientes volvieron de «{later}» a «{earlier}» {times} veces o más: "
        "llegan a la meta el {rate_affected}, frente al {rate_comparable} de los demás ({effect}).",
        "en": "{customers} customers went back from '{later}' to '{earlier}' {times} times or "
        "more: {rate_affected} reach the goal, against {rate_comparable} of the others ({effect}).",
    },
    "insight_failure": {
        "es": "{customers} clientes tuvieron {times} fallos o más ({events}) en «{touchpoint}»: "
        "llegan a la meta el {rate_affected}, frente al {rate_comparable} de los demás ({effect}).",
        "en": "{customers} customers had {times} or more failures ({events}) at '{touchpoint}': "
        "{rate_affected} reach the goal, against {rate_comparable} of the others ({effect}).",
    },
    "insight_wait": {
        "es": "{customers} clientes tardaron más de {limit} en pasar de «{stage}» a «{next}» "
        "(lo habitual: {usual}): llegan a la meta el {rate_affected}, frente al "
        "{rate_comparable} de los demás ({effect}).",
        "en": "{customers} customers took more than {limit} to go from '{stage}' to '{next}' "
        "(usually {usual}): {rate_affected} reach the goal, against {rate_comparable} of the "
        "others ({effect}).",
    },
    "insight_wait_segment": {
        "es": "En {dimension} = {value}, {customers} clientes tardaron más de {limit} en pasar "
        "de «{stage}» a «{next}» (lo habitual: {usual}; de media, {cost} más): el "
        "{share_long} de sus esperas allí, frente al {share_long_rest} en el resto.",
        "en": "In {dimension} = {value}, {customers} customers took more than {limit} to go "
        "from '{stage}' to '{next}' (usually {usual}; {cost} longer on average): "
        "{share_long} of its waits there, against {share_long_rest} elsewhere.",
    },
    "insight_wait_period": {
        "es": "{customers} clientes tardaron más de {limit} en pasar de «{stage}» a «{next}» "
        "(lo habitual: {usual}; de media, {cost} más): el {share_long} de las esperas de ese "
        "periodo, frente al {share_long_rest} el resto del tiempo.",
        "en": "{customers} customers took more than {limit} to go from '{stage}' to '{next}' "
        "(usually {usual}; {cost} longer on average): {share_long} of the waits in that "
        "period, against {share_long_rest} at other times.",
    },
    "insight_abandonment": {
        "es": "{customers} clientes dejaron de aparecer después de «{touchpoint}»: el {share} de "
        "quienes pasan por ahí, frente al {normal} en los demás pasos ({effect}).",
        "en": "{customers} customers went quiet after '{touchpoint}': {share} of those who get "
        "there, against {normal} at the other steps ({effect}).",
    },
    "insight_handoff": {
        "es": "{customers} clientes pasaron de «{touchpoint}» (autoservicio) a {assisted} "
        "(atención personal): llegan a la meta el {rate_affected}, frente al {rate_comparable} "
        "de los demás ({effect}). El autoservicio no les bastó.",
        "en": "{customers} customers went from '{touchpoint}' (self-service) to {assisted} "
        "(assisted): {rate_affected} reach the goal, against {rate_comparable} of the others "
        "({effect}). Self-service was not enough for them.",
    },
    "insight_drift_down": {
        "es": "Del {start} al {end}, solo el {rate} de quienes llegaron a «{stage}» pasó a "
        "«{next}» (lo normal: {baseline}); esos {customers} clientes llegan a la meta el "
        "{rate_affected}, frente al {rate_comparable} de los demás días ({effect}).",
        "en": "From {start} to {end}, only {rate} of those who reached '{stage}' went on to "
        "'{next}' (normally {baseline}); those {customers} customers reach the goal "
        "{rate_affected}, against {rate_comparable} on the other days ({effect}).",
    },
    "insight_drift_up": {
        "es": "Del {start} al {end}, el {rate} de quienes llegaron a «{stage}» pasó a «{next}» "
        "(lo normal: {baseline}); esos {customers} clientes llegan a la meta el {rate_affected}, "
        "frente al {rate_comparable} de los demás días ({effect}).",
        "en": "From {start} to {end}, {rate} of those who reached '{stage}' went on to '{next}' "
        "(normally {baseline}); those {customers} customers reach the goal {rate_affected}, "
        "against {rate_comparable} on the other days ({effect}).",
    },
    "insight_change_up": {
        "es": "«{metric}» subió: lo hizo el {rate} de los clientes activos (lo normal: "
        "{baseline}), unos {customers} clientes más de lo habitual.",
        "en": "'{metric}' rose: {rate} of active customers did it (normally {baseline}), about "
        "{customers} customers more than usual.",
    },
    "insight_change_down": {
        "es": "«{metric}» bajó: lo hizo solo el {rate} de los clientes activos (lo normal: "
        "{baseline}), unos {customers} clientes menos de lo habitual.",
        "en": "'{metric}' fell: only {rate} of active customers did it (normally {baseline}), "
        "about {customers} customers fewer than usual.",
    },
    # "reach the goal after it": the conversion of the customers who first did an event then
    "insight_change_goal_after_up": {
        "es": "De los clientes que hicieron «{metric}» por primera vez en ese periodo, el {rate} "
        "llegó después al objetivo (lo normal: {baseline}), unos {customers} clientes más de lo "
        "habitual.",
        "en": "Of the customers who first did '{metric}' then, {rate} went on to reach the goal "
        "(normally {baseline}), about {customers} customers more than usual.",
    },
    "insight_change_goal_after_down": {
        "es": "De los clientes que hicieron «{metric}» por primera vez en ese periodo, solo el "
        "{rate} llegó después al objetivo (lo normal: {baseline}), unos {customers} clientes "
        "menos de lo habitual.",
        "en": "Of the customers who first did '{metric}' then, only {rate} went on to reach the "
        "goal (normally {baseline}), about {customers} customers fewer than usual.",
    },
    # after the goal: judged by coming back (an event more than {inactivity} later)
    "insight_loop_after": {
        "es": "Después de la meta, {customers} clientes volvieron de «{later}» a «{earlier}» "
        "{times} veces o más: vuelve a aparecer pasados {inactivity} el {rate_affected}, frente "
        "al {rate_comparable} de los demás ({effect}).",
        "en": "After the goal, {customers} customers went back from '{later}' to '{earlier}' "
        "{times} times or more: {rate_affected} came back more than {inactivity} later, against "
        "{rate_comparable} of the others ({effect}).",
    },
    "insight_failure_after": {
        "es": "Después de la meta, {customers} clientes tuvieron {times} fallos o más ({events}) "
        "en «{touchpoint}»: vuelve a aparecer pasados {inactivity} el {rate_affected}, frente al "
        "{rate_comparable} de los demás ({effect}).",
        "en": "After the goal, {customers} customers had {times} or more failures ({events}) at "
        "'{touchpoint}': {rate_affected} came back more than {inactivity} later, against "
        "{rate_comparable} of the others ({effect}).",
    },
    "insight_wait_after": {
        "es": "Después de la meta, {customers} clientes tardaron más de {limit} en pasar de "
        "«{stage}» a «{next}» (lo habitual: {usual}; de media, {cost} más): vuelve a aparecer "
        "pasados {inactivity} el {rate_affected}, frente al {rate_comparable} de los demás "
        "({effect}).",
        "en": "After the goal, {customers} customers took more than {limit} to go from "
        "'{stage}' to '{next}' (usually {usual}; {cost} longer on average): {rate_affected} came "
        "back more than {inactivity} later, against {rate_comparable} of the others ({effect}).",
    },
    "insight_handoff_after": {
        "es": "Después de la meta, {customers} clientes pasaron de «{touchpoint}» (autoservicio) "
        "a {assisted} (atención personal): vuelve a aparecer pasados {inactivity} el "
        "{rate_affected}, frente al {rate_comparable} de los demás ({effect}).",
        "en": "After the goal, {customers} customers went from '{touchpoint}' (self-service) to "
        "{assisted} (assisted): {rate_affected} came back more than {inactivity} later, against "
        "{rate_comparable} of the others ({effect}).",
    },
    "insight_parts": {
        "es": "Con la misma causa se ven {count} hallazgos más (en «parts»).",
        "en": "The same cause shows in {count} more findings (in 'parts').",
    },
    "insight_period": {
        "es": "Ocurrió entre el {start} y el {end}.",
        "en": "It happened between {start} and {end}.",
    },
    "insight_segment": {
        "es": "Se concentra en {dimension} = {value} ({share} de los afectados, {pool} de los "
        "comparables).",
        "en": "It concentrates in {dimension} = {value} ({share} of the affected, {pool} of the "
        "comparable).",
    },
}

MESSAGES.update(
    {
        "segment_sentence": {
            "es": "Segmento {segment}: {customers} clientes ({share}); se distinguen por: "
            "{traits}.",
            "en": "Segment {segment}: {customers} customers ({share}); what sets them apart: "
            "{traits}.",
        },
        "segment_more": {
            "es": "más {feature} ({value} frente a {rest})",
            "en": "more {feature} ({value} vs {rest})",
        },
        "segment_less": {
            "es": "menos {feature} ({value} frente a {rest})",
            "en": "fewer {feature} ({value} vs {rest})",
        },
        "segment_no_traits": {
            "es": "nada destaca frente al resto",
            "en": "nothing stands out from the rest",
        },
        "segment_feature_stage": {
            "es": "eventos en «{stage}»",
            "en": "events in '{stage}'",
        },
        "segment_feature_events": {"es": "eventos", "en": "events"},
        "segment_feature_touchpoints": {
            "es": "puntos de contacto distintos",
            "en": "distinct touchpoints",
        },
        "segment_feature_days": {"es": "días de recorrido", "en": "days of journey"},
        "segment_feature_goal": {
            "es": "clientes que llegan a la meta",
            "en": "customers reaching the goal",
        },
    }
)

MESSAGES.update(
    {
        "insights_friction_title": {
            "es": "Fricción en «{name}»: {count} hallazgos ({tested} candidatos probados, "
            "{customers} clientes)",
            "en": "Friction in '{name}': {count} findings ({tested} candidates tested, "
            "{customers} customers)",
        },
        "insights_friction_title_one": {
            "es": "Fricción en «{name}»: 1 hallazgo ({tested} candidatos probados, "
            "{customers} clientes)",
            "en": "Friction in '{name}': 1 finding ({tested} candidates tested, "
            "{customers} customers)",
        },
        "insights_skipped_properties": {
            "es": "Nota: el análisis de segmentos omitió propiedades que este motor no puede "
            "leer: {keys}.",
            "en": "Note: the segment scan skipped properties this engine cannot read: {keys}.",
        },
        "insights_none": {
            "es": "Ningún hallazgo supera el umbral de ruido.",
            "en": "No finding is above the noise threshold.",
        },
        "insights_none_tested": {
            "es": "No se pudo probar nada: ningún paso, espera ni grupo reúne {least} clientes a "
            "cada lado para comparar (--min-customers), o nadie llega al objetivo.",
            "en": "Nothing could be tested: no step, wait or group has {least} customers on each "
            "side to compare (--min-customers), or nobody reaches the goal.",
        },
        "insights_moments_none_tested": {
            "es": "No se pudo probar nada: ningún punto de contacto ni paso entre dos tiene "
            "{least} clientes con él y {least} sin él en su etapa (--min-support).",
            "en": "Nothing could be tested: no touchpoint or move between two has {least} "
            "customers with it and {least} without it in its stage (--min-support).",
        },
        "insights_moments_title": {
            "es": "Momentos de la verdad en «{name}» ({tested} probados)",
            "en": "Moments of truth in '{name}' ({tested} tested)",
        },
        "insights_helps": {"es": "Ayudan", "en": "Help"},
        "insights_hurts": {"es": "Perjudican", "en": "Hurt"},
        "insights_conformance_title": {
            "es": "Conformidad con «{name}»: {following} de {customers} clientes siguen el orden "
            "del mapa ({share})",
            "en": "Conformance to '{name}': {following} of {customers} customers follow the "
            "map's order ({share})",
        },
        "insights_missing_title": {
            "es": "Eventos que el mapa no recoge",
            "en": "Events the map lacks",
        },
        "insights_back_title": {"es": "Vueltas atrás", "en": "Moves back"},
        "insights_segments_title": {
            "es": "Segmentos de «{name}»: {k} grupos de {customers} clientes",
            "en": "Segments of '{name}': {k} groups of {customers} customers",
        },
        "insights_segments_title_one": {
            "es": "Segmentos de «{name}»: un solo grupo de {customers} clientes (ninguna "
            "división deja grupos con clientes suficientes)",
            "en": "Segments of '{name}': one group of {customers} customers (no split leaves "
            "groups with enough customers)",
        },
        "insights_discovered": {
            "es": "Mapa propuesto escrito en {path}: {stages} etapas, {touchpoints} puntos de "
            "contacto. Revísalo y valídalo con: recorrido map validate {path}",
            "en": "Proposed map written to {path}: {stages} stages, {touchpoints} touchpoints. "
            "Review it and validate it with: recorrido map validate {path}",
        },
        "insights_file_exists": {
            "es": "{path} ya existe; usa --force para sobrescribirlo.",
            "en": "{path} already exists; use --force to overwrite it.",
        },
    }
)
