"""User-facing text of the predict part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    "predict_ltv_too_few": {
        "es": "Hay {customers} clientes con compras repetidas: no bastan para ajustar el modelo.",
        "en": "There are {customers} customers with repeat purchases: too few to fit the model.",
    },
    "predict_ltv_bad_summary": {
        "es": "El resumen de compras no es válido: x, t_x y T deben ser ≥ 0 y t_x ≤ T.",
        "en": "The purchase summary is not valid: x, t_x and T must be ≥ 0 and t_x ≤ T.",
    },
    "predict_ltv_no_fit": {
        "es": "El ajuste de valor de vida no converge: {detail}",
        "en": "The lifetime-value fit did not converge: {detail}",
    },
    "predict_unknown_kind": {
        "es": "Tipo de predicción desconocido «{kind}»: usa {known}.",
        "en": "Unknown kind of prediction '{kind}': use {known}.",
    },
    "predict_bad_horizon": {
        "es": "El horizonte «{value}» no vale: escribe una duración positiva, p. ej. 7d o 12h.",
        "en": "The horizon '{value}' is not valid: write a positive duration, e.g. 7d or 12h.",
    },
    "predict_needs_target": {
        "es": "Indica el evento objetivo con --target EVENTO (o un mapa con objetivo con --map).",
        "en": "Name the target event with --target EVENT (or a map with a goal with --map).",
    },
    "predict_unknown_event": {
        "es": "Ningún evento se llama «{name}». ¿Quisiste decir {suggestion}?",
        "en": "No event is named '{name}'. Did you mean {suggestion}?",
    },
    "predict_no_events": {
        "es": "El espacio de trabajo no tiene eventos: ingiere datos antes de predecir.",
        "en": "The workspace has no events: ingest data before predicting.",
    },
    "predict_one_class": {
        "es": "Los datos de entrenamiento tienen {rows} filas y {positives} positivas: hacen "
        "falta ambos resultados. Prueba otro horizonte, más cortes o más historia.",
        "en": "The training data has {rows} rows and {positives} positives: both outcomes are "
        "needed. Try another horizon, more cutoffs or more history.",
    },
    "predict_no_evaluation_rows": {
        "es": "No hay clientes con actividad antes del corte de evaluación {at}.",
        "en": "No customer has activity before the evaluation cutoff {at}.",
    },
    "predict_unknown_algorithm": {
        "es": "Algoritmo desconocido «{name}»: usa {known}.",
        "en": "Unknown algorithm '{name}': use {known}.",
    },
    "predict_bad_model_name": {
        "es": "«{name}» no sirve como nombre de modelo: usa letras, dígitos, _ . o - (máx. 64).",
        "en": "'{name}' cannot name a model: use letters, digits, _ . or - (at most 64).",
    },
    "predict_unknown_model": {
        "es": "No hay ningún modelo «{name}» en este espacio. Modelos: {known}.",
        "en": "There is no model '{name}' in this workspace. Models: {known}.",
    },
    "predict_bad_record": {
        "es": "El registro del modelo {path} no se puede leer: {detail}",
        "en": "The model record {path} cannot be read: {detail}",
    },
    "predict_estimator_mismatch": {
        "es": "El archivo del modelo {path} falta o no coincide con su registro; "
        "entrénalo otra vez.",
        "en": "The model file {path} is missing or does not match its record; train it again.",
    },
    "predict_customer_unscored": {
        "es": "El cliente {customer} no tiene puntuación del modelo {model}: "
        "ejecuta predict score.",
        "en": "Customer {customer} has no score from model {model}: run predict score first.",
    },
    "predict_bad_time": {
        "es": "«{value}» no es una fecha: escribe AAAA-MM-DD o una hora ISO (UTC).",
        "en": "'{value}' is not a date: write YYYY-MM-DD or an ISO time (UTC).",
    },
    "predict_scored": {
        "es": "{count} clientes puntuados con el modelo {model} (tabla predictions; "
        "rasgo {trait} para las automatizaciones).",
        "en": "{count} customers scored with model {model} (table predictions; "
        "trait {trait} for automations).",
    },
    "predict_importance_title": {
        "es": "Importancia por permutación del modelo {model}",
        "en": "Permutation importance of model {model}",
    },
    "predict_feature": {"es": "Variable", "en": "Feature"},
    "predict_auc_drop": {"es": "Caída del AUC", "en": "AUC drop"},
    "predict_customer_score": {
        "es": "Cliente {customer}: puntuación {score}. Lo que más la mueve:",
        "en": "Customer {customer}: score {score}. What moves it most:",
    },
    "predict_model_line": {
        "es": "Modelo {model}: {target} (versión {version})",
        "en": "Model {model}: {target} (version {version})",
    },
    "predict_ltv_holdout": {
        "es": "Compras repetidas en el periodo de control: {predicted} previstas, {actual} reales.",
        "en": "Repeat purchases in the holdout: {predicted} predicted, {actual} actual.",
    },
    "predict_split_line": {
        "es": "Entrenado con cortes {cutoffs}; evaluado en {at}; {rows} filas.",
        "en": "Trained on cutoffs {cutoffs}; evaluated at {at}; {rows} rows.",
    },
    "predict_lift": {"es": "Lift decil sup.", "en": "Top-decile lift"},
    "predict_model": {"es": "Modelo", "en": "Model"},
    "predict_baseline_base_rate": {"es": "Tasa base", "en": "Base rate"},
    "predict_baseline_recency": {"es": "Solo recencia", "en": "Recency alone"},
    "predict_nba_columns": {
        "es": "A los resultados de las acciones les faltan columnas: {missing}.",
        "en": "The action outcomes lack columns: {missing}.",
    },
    "predict_customer_no_events": {
        "es": "El cliente {customer} no tiene eventos (en ese nivel).",
        "en": "Customer {customer} has no events (at that level).",
    },
    "predict_next_line": {
        "es": "Camino reciente de {customer}: {path}. Próximos pasos probables:",
        "en": "Recent path of {customer}: {path}. Likely next steps:",
    },
    # the report's predictions section (report/predictions_section.py)
    "report_predictions_title": {"es": "Predicciones", "en": "Predictions"},
    "report_predictions_reading": {
        "es": "Evaluado el {at} sobre {rows} clientes: AUC {auc} (la recencia sola, {recency}); "
        "el 10 % con más puntuación tiene el resultado {lift} veces más que la media.",
        "en": "Evaluated on {at} over {rows} customers: AUC {auc} (recency alone, {recency}); "
        "the top-scored 10% has the outcome {lift} times as often as the average.",
    },
    "report_predictions_ltv_reading": {
        "es": "BG/NBD + Gamma-Gamma sobre {customers} clientes: {predicted} compras repetidas "
        "previstas en el periodo de control, {actual} reales.",
        "en": "BG/NBD + Gamma-Gamma over {customers} customers: {predicted} repeat purchases "
        "predicted in the holdout, {actual} actual.",
    },
    "report_predictions_model": {"es": "modelo", "en": "model"},
    "report_predictions_baseline_base_rate": {"es": "tasa base", "en": "base rate"},
    "report_predictions_baseline_recency": {"es": "solo recencia", "en": "recency alone"},
    "report_predictions_lift": {"es": "lift 10 % superior", "en": "top-decile lift"},
    "report_predictions_version": {"es": "versión", "en": "version"},
    "report_predictions_trained": {"es": "entrenado", "en": "trained"},
    "report_predictions_calibration_title": {
        "es": "Calibración: observado frente a previsto",
        "en": "Calibration: observed against predicted",
    },
    "report_predictions_calibration_tip": {
        "es": "previsto {predicted}, observado {observed}, {rows} clientes",
        "en": "predicted {predicted}, observed {observed}, {rows} customers",
    },
    "report_predictions_deciles_title": {
        "es": "Lift por decil de puntuación",
        "en": "Lift by score decile",
    },
    "report_predictions_decile_tip": {
        "es": "decil {decile}: lift {lift}, tasa {observed}, {rows} clientes",
        "en": "decile {decile}: lift {lift}, rate {observed}, {rows} customers",
    },
    "report_predictions_importance_title": {
        "es": "Importancia (caída del AUC al barajar)",
        "en": "Importance (drop in AUC when shuffled)",
    },
    "report_predictions_axis_predicted": {"es": "previsto", "en": "predicted"},
    "report_predictions_axis_observed": {"es": "observado", "en": "observed"},
    "report_predictions_axis_decile": {"es": "decil (1 = más alto)", "en": "decile (1 = top)"},
    "report_predictions_axis_lift": {
        "es": "lift (veces la media)",
        "en": "lift (times the average)",
    },
    "report_predictions_by_stage": {
        "es": "Previsto y medido por etapa (la más avanzada alcanzada)",
        "en": "Predicted and measured per stage (the furthest reached)",
    },
    "report_predictions_by_persona": {
        "es": "Previsto y medido por persona",
        "en": "Predicted and measured per persona",
    },
    "report_predictions_group": {"es": "grupo", "en": "group"},
    "report_predictions_customers": {"es": "clientes", "en": "customers"},
    "report_predictions_predicted": {"es": "previsto", "en": "predicted"},
    "report_predictions_observed": {"es": "medido", "en": "measured"},
    "report_predictions_no_stage": {"es": "sin etapa aún", "en": "no stage yet"},
    "report_predictions_no_map": {
        "es": "Entrenado sin mapa: entrena con --map para verlo por etapa y persona.",
        "en": "Trained without a map: train with --map to see it per stage and persona.",
    },
    "report_predictions_how": {
        "es": "Cada modelo se evalúa en un corte temporal: se entrena con cortes anteriores y se "
        "mide sobre lo que pasó después del último, junto a dos referencias (la tasa base y la "
        "recencia sola). Las cifras son las del registro del modelo (recorrido predict evaluate).",
        "en": "Each model is evaluated on a time split: trained on earlier cutoffs, measured on "
        "what happened after the last one, beside two baselines (the base rate and recency "
        "alone). The figures are the model record's (recorrido predict evaluate).",
    },
}
