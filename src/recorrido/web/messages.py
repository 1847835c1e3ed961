"""User-facing text of the web part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    # frame
    "web_skip": {"es": "Saltar al contenido", "en": "Skip to content"},
    "web_nav": {"es": "Secciones", "en": "Sections"},
    "web_nav_home": {"es": "Inicio", "en": "Home"},
    "web_nav_explore": {"es": "Explorar", "en": "Explore"},
    "web_language": {"es": "Idioma", "en": "Language"},
    "web_logout": {"es": "Salir", "en": "Sign out"},
    "web_role_viewer": {"es": "lector", "en": "viewer"},
    "web_role_editor": {"es": "editor/a", "en": "editor"},
    "web_role_admin": {"es": "administrador", "en": "admin"},
    "web_forbidden": {
        "es": "Tu rol no permite hacer esto.",
        "en": "Your role does not allow this.",
    },
    "web_not_found": {"es": "Esta página no existe.", "en": "This page does not exist."},
    "web_csrf_failed": {
        "es": "El formulario caducó o no viene de esta página; recarga e inténtalo de nuevo.",
        "en": "The form expired or did not come from this page; reload and try again.",
    },
    # users
    "web_login_title": {"es": "Entrar", "en": "Sign in"},
    "web_login_name": {"es": "Usuario", "en": "User name"},
    "web_login_password": {"es": "Contraseña", "en": "Password"},
    "web_login_submit": {"es": "Entrar", "en": "Sign in"},
    "web_login_failed": {
        "es": "Usuario o contraseña incorrectos.",
        "en": "Wrong user name or password.",
    },
    "web_login_hint": {
        "es": "Crea el primer usuario con: recorrido users add NOMBRE --role admin -w CARPETA",
        "en": "Create the first user with: recorrido users add NAME --role admin -w FOLDER",
    },
    "web_user_name_invalid": {
        "es": "Nombre de usuario «{name}» no válido: usa letras, cifras y . _ @ - (hasta 64).",
        "en": "User name '{name}' is not valid: use letters, digits and . _ @ - (up to 64).",
    },
    "web_role_unknown": {
        "es": "Rol desconocido «{role}»: usa {roles}.",
        "en": "Unknown role '{role}': use {roles}.",
    },
    "web_password_short": {
        "es": "La contraseña debe tener al menos {n} caracteres.",
        "en": "The password must have at least {n} characters.",
    },
    "web_passwords_differ": {
        "es": "Las contraseñas no coinciden.",
        "en": "The passwords do not match.",
    },
    "web_user_added": {
        "es": "Usuario {name} guardado con el rol {role}.",
        "en": "User {name} saved with the role {role}.",
    },
    "web_user_removed": {"es": "Usuario {name} eliminado.", "en": "User {name} removed."},
    "web_user_missing": {"es": "No existe el usuario {name}.", "en": "There is no user {name}."},
    "web_users_none": {
        "es": "Aún no hay usuarios en {path}.",
        "en": "No users yet in {path}.",
    },
    "web_users_col_name": {"es": "Usuario", "en": "User"},
    "web_users_col_role": {"es": "Rol", "en": "Role"},
    "web_users_col_created": {"es": "Creado", "en": "Created"},
    # home
    "web_home_title": {"es": "Estado del espacio de trabajo", "en": "Workspace health"},
    "web_home_events": {"es": "eventos", "en": "events"},
    "web_home_customers": {"es": "clientes", "en": "customers"},
    "web_home_span": {"es": "primer y último evento", "en": "first and last event"},
    "web_home_last_ingest": {"es": "última importación", "en": "last ingest"},
    "web_home_last_ingest_detail": {
        "es": "{ingested} importados · {duplicates} duplicados · {quarantined} en cuarentena",
        "en": "{ingested} ingested · {duplicates} duplicates · {quarantined} quarantined",
    },
    "web_home_maps": {"es": "Mapas del recorrido", "en": "Journey maps"},
    "web_home_no_maps": {
        "es": "No hay mapas en la carpeta. Crea uno con: recorrido map new",
        "en": "No maps in the folder. Create one with: recorrido map new",
    },
    "web_home_map_problems": {"es": "{n} problemas", "en": "{n} problems"},
    "web_home_per_day": {
        "es": "Eventos por día, por fuente y canal",
        "en": "Events per day, by source and channel",
    },
    "web_home_no_events": {"es": "Aún no hay eventos.", "en": "No events yet."},
    "web_home_quarantine": {"es": "Cuarentena por motivo", "en": "Quarantine by reason"},
    "web_home_quarantine_empty": {
        "es": "Ninguna fila en cuarentena.",
        "en": "No rows in quarantine.",
    },
    "web_home_reason": {"es": "Motivo", "en": "Reason"},
    "web_home_rows": {"es": "Filas", "en": "Rows"},
    # map view
    "web_map_edit": {"es": "Editar el mapa", "en": "Edit the map"},
    "web_map_from": {"es": "Desde", "en": "From"},
    "web_map_to": {"es": "Hasta", "en": "To"},
    "web_map_channel": {"es": "Canal", "en": "Channel"},
    "web_map_persona": {"es": "Perfil (persona)", "en": "Persona"},
    "web_map_property": {"es": "Propiedad (clave=valor)", "en": "Property (key=value)"},
    "web_map_any": {"es": "todos", "en": "all"},
    "web_map_unknown_persona": {
        "es": "El mapa no tiene la persona «{persona}».",
        "en": "The map has no persona '{persona}'.",
    },
    "web_map_bad_property": {
        "es": "«{text}» no es un filtro de propiedad: escribe clave=valor, p. ej. plan=pro.",
        "en": "'{text}' is not a property filter: write key=value, e.g. plan=pro.",
    },
    "web_map_apply": {"es": "Aplicar", "en": "Apply"},
    "web_map_click_hint": {
        "es": "Pulsa una etapa o un punto de contacto para ver sus cifras y su embudo.",
        "en": "Click a stage or a touchpoint to see its figures and its funnel.",
    },
    # map editor
    "web_edit_title": {"es": "Editar {name}", "en": "Edit {name}"},
    "web_edit_back": {"es": "← Volver al mapa medido", "en": "← Back to the measured map"},
    "web_edit_read_only": {
        "es": "Tu rol es de lectura: puedes ver y probar reglas, pero no guardar.",
        "en": "Your role is read-only: you can look and try rules, but not save.",
    },
    "web_edit_saved": {"es": "Guardado como nueva versión.", "en": "Saved as a new version."},
    "web_edit_problems": {
        "es": "No se guardó: el mapa no sería válido",
        "en": "Not saved: the map would not be valid",
    },
    "web_edit_stage_name": {"es": "Nombre de la etapa", "en": "Stage name"},
    "web_edit_touchpoint_name": {"es": "Nombre del punto de contacto", "en": "Touchpoint name"},
    "web_edit_rename": {"es": "Renombrar", "en": "Rename"},
    "web_edit_up": {"es": "Subir {name}", "en": "Move {name} up"},
    "web_edit_down": {"es": "Bajar {name}", "en": "Move {name} down"},
    "web_edit_rule": {
        "es": "Regla de coincidencia (YAML; vacía = sin medir)",
        "en": "Match rule (YAML; empty = not measured)",
    },
    "web_edit_save_rule": {"es": "Guardar la regla", "en": "Save the rule"},
    "web_edit_count": {
        "es": "{events} eventos · {customers} clientes",
        "en": "{events} events · {customers} customers",
    },
    "web_edit_holes": {
        "es": "Eventos que ningún punto de contacto recoge: {events} ({share})",
        "en": "Events no touchpoint matches: {events} ({share})",
    },
    "web_edit_no_rule": {"es": "sin regla: no se mide", "en": "no rule: not measured"},
    "web_edit_new_touchpoint": {"es": "Nuevo punto de contacto", "en": "New touchpoint"},
    "web_edit_channel": {"es": "Canal", "en": "Channel"},
    "web_edit_new_stage": {"es": "Nueva etapa", "en": "New stage"},
    "web_edit_first_touchpoint": {
        "es": "Su primer punto de contacto",
        "en": "Its first touchpoint",
    },
    "web_edit_add": {"es": "Añadir", "en": "Add"},
    "web_edit_versions": {"es": "Versiones", "en": "Versions"},
    "web_edit_no_versions": {
        "es": "Aún no se ha guardado desde la web.",
        "en": "Not saved from the web yet.",
    },
    "web_edit_diff": {"es": "Cambios", "en": "Changes"},
    "web_edit_restore": {"es": "Restaurar v{n}", "en": "Restore v{n}"},
    "web_edit_missing_field": {
        "es": "Falta el campo {field} en el formulario.",
        "en": "The form lacks the field {field}.",
    },
    "web_edit_not_a_map": {
        "es": "El archivo no tiene la forma de un mapa (falta la lista stages).",
        "en": "The file does not have the shape of a map (no stages list).",
    },
    "web_edit_unknown": {
        "es": "No existe «{id}» en el mapa.",
        "en": "There is no '{id}' in the map.",
    },
    "web_edit_rule_yaml": {
        "es": "La regla no es YAML válido: {detail}",
        "en": "The rule is not valid YAML: {detail}",
    },
    "web_edit_rule_mapping": {
        "es": "Una regla es un mapeo, p. ej. «event: orders».",
        "en": "A rule is a mapping, e.g. 'event: orders'.",
    },
    "web_edit_name_empty": {
        "es": "El nombre no puede estar vacío.",
        "en": "The name cannot be empty.",
    },
    # map editor: what the map says beyond its skeleton (map_details)
    "web_edit_objectives": {"es": "Objetivos", "en": "Objectives"},
    "web_edit_personas": {"es": "Personas tipo", "en": "Personas"},
    "web_edit_objective_text": {"es": "Objetivo", "en": "Objective"},
    "web_edit_metric": {"es": "Métrica", "en": "Metric"},
    "web_edit_target": {
        "es": "Meta (un número, p. ej. 0,05, o un texto)",
        "en": "Target (a number, e.g. 0.05, or a text)",
    },
    "web_edit_objective_stages": {"es": "Etapas a las que afecta", "en": "Stages it concerns"},
    "web_edit_save": {"es": "Guardar", "en": "Save"},
    "web_edit_remove": {"es": "Quitar {name}", "en": "Remove {name}"},
    "web_edit_new_objective": {"es": "Nuevo objetivo", "en": "New objective"},
    "web_edit_new_persona": {"es": "Nueva persona (nombre)", "en": "New persona (name)"},
    "web_edit_persona_name": {"es": "Nombre", "en": "Name"},
    "web_edit_persona_description": {"es": "Descripción", "en": "Description"},
    "web_edit_persona_demographics": {"es": "Datos demográficos", "en": "Demographics"},
    "web_edit_persona_income": {"es": "Ingresos", "en": "Income"},
    "web_edit_persona_needs": {"es": "Necesidades", "en": "Needs"},
    "web_edit_persona_tastes": {"es": "Gustos", "en": "Tastes"},
    "web_edit_persona_rule": {
        "es": "Regla que la encuentra en los datos (YAML, opcional)",
        "en": "Rule that finds them in the data (YAML, optional)",
    },
    "web_edit_details": {"es": "Detalles de {name}", "en": "Details of {name}"},
    "web_edit_one_per_line": {
        "es": "Las listas llevan un elemento por línea.",
        "en": "Lists take one item per line.",
    },
    "web_edit_lane_goals": {"es": "Qué quiere el cliente", "en": "What the customer wants"},
    "web_edit_lane_needs": {"es": "Necesidades", "en": "Needs"},
    "web_edit_lane_activities": {"es": "Actividades", "en": "Activities"},
    "web_edit_lane_pain_points": {"es": "Puntos de dolor", "en": "Pain points"},
    "web_edit_lane_opportunities": {"es": "Oportunidades", "en": "Opportunities"},
    "web_edit_lane_moments_of_truth": {"es": "Momentos de la verdad", "en": "Moments of truth"},
    "web_edit_lane_notes": {"es": "Notas de campo", "en": "Field notes"},
    "web_edit_emotion": {"es": "Emoción diseñada", "en": "Designed emotion"},
    "web_edit_emotion_words": {
        "es": "La emoción en palabras (separadas por comas)",
        "en": "The emotion in words (comma-separated)",
    },
    "web_edit_emotion_score": {
        "es": "La emoción es un número de -2 a 2, no «{value}».",
        "en": "The emotion is a number from -2 to 2, not '{value}'.",
    },
    "web_edit_score_none": {"es": "sin indicar", "en": "not set"},
    "web_edit_score_-2": {"es": "-2 muy mal", "en": "-2 very bad"},
    "web_edit_score_-1": {"es": "-1 mal", "en": "-1 bad"},
    "web_edit_score_0": {"es": "0 neutra", "en": "0 neutral"},
    "web_edit_score_1": {"es": "+1 bien", "en": "+1 good"},
    "web_edit_score_2": {"es": "+2 muy bien", "en": "+2 very good"},
    "web_edit_owner": {"es": "Responsable (equipo o persona)", "en": "Owner (team or person)"},
    "web_edit_resources": {"es": "Recursos", "en": "Resources"},
    "web_edit_mode": {"es": "Modo", "en": "Mode"},
    "web_edit_mode_none": {"es": "sin indicar", "en": "not set"},
    "web_edit_mode_self-service": {"es": "autoservicio", "en": "self-service"},
    "web_edit_mode_assisted": {"es": "asistido", "en": "assisted"},
    "web_edit_drag": {
        "es": "Arrastra ⠿ para reordenar, o usa los botones ↑ ↓ (también con el teclado).",
        "en": "Drag ⠿ to reorder, or use the ↑ ↓ buttons (keyboard too).",
    },
    "web_edit_drag_handle": {"es": "Arrastrar {name}", "en": "Drag {name}"},
    # report export from the map page
    "web_map_export": {"es": "Descargar el informe", "en": "Download the report"},
    "web_map_export_html": {"es": "en HTML", "en": "as HTML"},
    "web_map_export_png": {"es": "en PNG", "en": "as PNG"},
    "web_map_export_pdf": {"es": "en PDF", "en": "as PDF"},
    "web_map_export_format": {
        "es": "Formato desconocido «{format}»: usa html, png o pdf.",
        "en": "Unknown format '{format}': use html, png or pdf.",
    },
    # settings: API tokens
    "web_nav_settings": {"es": "Ajustes", "en": "Settings"},
    "web_tokens_title": {"es": "Claves para scripts", "en": "API tokens"},
    "web_tokens_intro": {
        "es": "Una clave de lectura abre la API JSON (/api/v1, cabecera «Authorization: Bearer "
        "CLAVE»); una de escritura, la API de recogida de eventos. Solo se muestra una vez; "
        "el espacio de trabajo guarda su huella SHA-256.",
        "en": "A read token opens the JSON API (/api/v1, header 'Authorization: Bearer TOKEN'); "
        "a write key, the event collection API. It is shown once; the workspace keeps only its "
        "SHA-256.",
    },
    "web_tokens_name": {"es": "Para qué es", "en": "What it is for"},
    "web_tokens_kind": {"es": "Tipo", "en": "Kind"},
    "web_tokens_kind_read": {"es": "lectura (API JSON)", "en": "read (JSON API)"},
    "web_tokens_kind_write": {"es": "escritura (recogida)", "en": "write (collection)"},
    "web_tokens_create": {"es": "Crear la clave", "en": "Create the token"},
    "web_tokens_created": {
        "es": "Copia la clave ahora: no se volverá a mostrar.",
        "en": "Copy the token now: it will not be shown again.",
    },
    "web_tokens_id": {"es": "Identificador", "en": "Id"},
    "web_tokens_made": {"es": "Creada", "en": "Created"},
    "web_tokens_state": {"es": "Estado", "en": "State"},
    "web_tokens_active": {"es": "activa", "en": "active"},
    "web_tokens_revoked": {"es": "revocada el {day}", "en": "revoked on {day}"},
    "web_tokens_revoke": {"es": "Revocar {id}", "en": "Revoke {id}"},
    "web_tokens_revoked_now": {"es": "Clave {id} revocada.", "en": "Token {id} revoked."},
    "web_tokens_none": {"es": "Aún no hay claves.", "en": "No tokens yet."},
    "web_tokens_cli": {
        "es": "Lo mismo desde la terminal: recorrido keys create|list|revoke -w CARPETA",
        "en": "The same from a terminal: recorrido keys create|list|revoke -w FOLDER",
    },
    # explore
    "web_explore_title": {"es": "Embudo", "en": "Funnel"},
    "web_explore_steps": {"es": "Pasos", "en": "Steps"},
    "web_explore_steps_help": {
        "es": "Separados por comas: eventos, o puntos de contacto / etapas del mapa elegido.",
        "en": "Comma-separated: events, or touchpoints / stages of the chosen map.",
    },
    "web_explore_window": {"es": "Ventana", "en": "Window"},
    "web_explore_kind": {"es": "Orden", "en": "Order"},
    "web_explore_kind_ordered": {"es": "en orden", "en": "ordered"},
    "web_explore_kind_strict": {"es": "estricto", "en": "strict"},
    "web_explore_kind_any": {"es": "cualquier orden", "en": "any order"},
    "web_explore_level": {"es": "Nivel", "en": "Level"},
    "web_explore_level_event": {"es": "eventos", "en": "events"},
    "web_explore_level_touchpoint": {"es": "puntos de contacto", "en": "touchpoints"},
    "web_explore_level_stage": {"es": "etapas", "en": "stages"},
    "web_explore_map": {"es": "Mapa", "en": "Map"},
    "web_explore_run": {"es": "Calcular el embudo", "en": "Run the funnel"},
    "web_explore_result": {"es": "Resultado", "en": "Result"},
    "web_explore_step": {"es": "Paso", "en": "Step"},
    "web_explore_conversion": {"es": "Conversión", "en": "Conversion"},
    "web_explore_from_previous": {"es": "Desde el anterior", "en": "From previous"},
    "web_explore_dropped": {"es": "Abandonos", "en": "Drop-offs"},
    "web_explore_who_dropped": {"es": "Ver los {n} que abandonan", "en": "See the {n} who drop"},
    "web_explore_dropped_title": {
        "es": "{n} clientes abandonan tras «{step}»",
        "en": "{n} customers drop after '{step}'",
    },
    "web_explore_export_csv": {"es": "Exportarlos (CSV)", "en": "Export them (CSV)"},
    "web_explore_next": {"es": "Qué hicieron después", "en": "What they did next"},
    "web_explore_path": {"es": "Camino", "en": "Path"},
    "web_explore_customers": {"es": "Los primeros {n}", "en": "The first {n}"},
    "web_explore_two_steps": {
        "es": "Un embudo necesita al menos dos pasos.",
        "en": "A funnel needs at least two steps.",
    },
    "web_explore_map_needed": {
        "es": "Elige un mapa para un embudo de puntos de contacto o de etapas.",
        "en": "Choose a map for a funnel of touchpoints or stages.",
    },
    # explore paths
    "web_paths_title": {"es": "Caminos", "en": "Paths"},
    "web_paths_start_at": {"es": "Empezar en (Sankey)", "en": "Start at (Sankey)"},
    "web_paths_steps": {"es": "Pasos", "en": "Steps"},
    "web_paths_variants": {"es": "Recorridos más comunes", "en": "Most common journeys"},
    "web_paths_run": {"es": "Ver los caminos", "en": "Show the paths"},
    "web_paths_sankey": {"es": "Flujos desde «{start}»", "en": "Flows from '{start}'"},
    "web_paths_top_variants": {"es": "Recorridos más comunes", "en": "Most common journeys"},
    "web_paths_pairs": {"es": "Qué sigue a qué", "en": "What follows what"},
    "web_paths_from": {"es": "Desde", "en": "From"},
    "web_paths_to": {"es": "Hacia", "en": "To"},
    "web_paths_count": {"es": "Veces", "en": "Times"},
    # upload
    "web_nav_upload": {"es": "Subir datos", "en": "Upload"},
    "web_nav_act": {"es": "Actuar", "en": "Act"},
    "web_act_title": {"es": "Automatizaciones", "en": "Automations"},
    "web_act_intro": {
        "es": "Los archivos de automatización del espacio de trabajo y lo ocurrido en cada paso.",
        "en": "The workspace's automation files, with what happened at each step.",
    },
    "web_act_none": {
        "es": "No hay archivos de automatización en la carpeta (recorrido automations new).",
        "en": "There are no automation files in the folder (recorrido automations new).",
    },
    "web_act_problems": {"es": "El archivo tiene problemas:", "en": "The file has problems:"},
    "web_act_state_live": {
        "es": "Publicada, versión {version}, activa · {passes} pasadas",
        "en": "Published, version {version}, live · {passes} passes",
    },
    "web_act_state_paused": {
        "es": "Publicada, versión {version}, en pausa · {passes} pasadas",
        "en": "Published, version {version}, paused · {passes} passes",
    },
    "web_act_unpublished": {"es": "Sin publicar", "en": "Not published"},
    "web_act_lift": {
        "es": "efecto frente al grupo de control {difference} pp (IC 95 % {low} … {high})",
        "en": "lift over the holdout {difference} pp (95 % CI {low} … {high})",
    },
    "web_act_graph": {"es": "Pasos de {name}", "en": "Steps of {name}"},
    "web_act_counts": {
        "es": "entraron {entered} · esperan {waiting} · siguieron {proceeded} · objetivo {goal}",
        "en": "entered {entered} · waiting {waiting} · proceeded {proceeded} · goal {goal}",
    },
    "web_act_kind_wait": {"es": "espera", "en": "wait"},
    "web_act_kind_wait_until": {"es": "espera hasta", "en": "wait until"},
    "web_act_kind_wait_for": {"es": "espera un evento", "en": "wait for an event"},
    "web_act_kind_split": {"es": "división", "en": "split"},
    "web_act_kind_email": {"es": "correo", "en": "email"},
    "web_act_kind_webhook": {"es": "llamada web (webhook)", "en": "webhook"},
    "web_act_kind_task": {"es": "tarea", "en": "task"},
    "web_act_kind_update_trait": {"es": "cambiar rasgo", "en": "update trait"},
    "web_act_from": {"es": "Desde", "en": "From"},
    "web_act_to": {"es": "Hasta", "en": "To"},
    "web_act_dry_run": {"es": "Simular sobre el historial", "en": "Dry run over history"},
    "web_act_publish": {"es": "Publicar", "en": "Publish"},
    "web_act_pause": {"es": "Pausar", "en": "Pause"},
    "web_act_resume": {"es": "Reanudar", "en": "Resume"},
    "web_act_cancel": {"es": "Cancelar", "en": "Cancel"},
    "web_act_back": {"es": "Volver a automatizaciones", "en": "Back to automations"},
    "web_act_confirm_publish": {"es": "¿Publicar {name}?", "en": "Publish {name}?"},
    "web_act_confirm_publish_help": {
        "es": "Si el archivo cambió, se publica una versión nueva; quien ya está dentro sigue.",
        "en": "If the file changed, a new version is published; customers inside stay on theirs.",
    },
    "web_act_confirm_pause": {"es": "¿Pausar {name}?", "en": "Pause {name}?"},
    "web_act_confirm_pause_help": {
        "es": "No entrará nadie nuevo; quien ya está dentro sigue.",
        "en": "No new customers enter; those inside carry on.",
    },
    "web_act_confirm_resume": {"es": "¿Reanudar {name}?", "en": "Resume {name}?"},
    "web_act_confirm_resume_help": {
        "es": "Los clientes vuelven a entrar desde ahora.",
        "en": "Customers enter again from now on.",
    },
    "web_act_dry_summary": {
        "es": (
            "{start} → {end}: {passes} pasadas, {customers} clientes "
            "({skipped} reentradas rechazadas)"
        ),
        "en": (
            "{start} → {end}: {passes} passes, {customers} customers ({skipped} re-entries refused)"
        ),
    },
    "web_act_step": {"es": "Paso", "en": "Step"},
    "web_act_branches": {"es": "Ramas", "en": "Branches"},
    "web_act_per_day": {"es": "Mensajes por día", "en": "Messages per day"},
    "web_act_col_entered": {"es": "entraron", "en": "entered"},
    "web_act_col_proceeded": {"es": "siguieron", "en": "proceeded"},
    "web_act_col_goal": {"es": "objetivo", "en": "goal"},
    "web_act_col_exit": {"es": "salieron", "en": "exited"},
    "web_act_col_sent": {"es": "enviados", "en": "sent"},
    "web_act_col_deferred": {"es": "aplazados", "en": "deferred"},
    "web_act_col_capped": {"es": "tope", "en": "capped"},
    # a draft automation started from the map's panel (web/act_draft.py)
    "web_act_draft_title": {"es": "Actuar aquí", "en": "Act here"},
    "web_act_draft_help": {
        "es": "Quien llegue aquí y no siga con «{next}» en los días indicados recibe un "
        "recordatorio (un 10 % queda fuera para medirlo). Se crea como borrador: lo simulas y "
        "lo publicas en Automatizaciones.",
        "en": "Whoever gets here and does not go on to '{next}' within the days given gets a "
        "reminder (10 % held out to measure it). It is made as a draft: dry-run and publish it "
        "on the Automations page.",
    },
    "web_act_draft_days": {"es": "Días de espera", "en": "Days to wait"},
    "web_act_draft_start": {
        "es": "Crear automatización borrador",
        "en": "Create a draft automation",
    },
    "web_act_draft_made": {
        "es": "Borrador creado desde el mapa: {file}. Simúlalo sobre el historial y publícalo "
        "cuando quieras.",
        "en": "Draft made from the map: {file}. Dry-run it over history and publish it when "
        "you are ready.",
    },
    "web_act_draft_failed": {
        "es": "No se pudo crear el borrador",
        "en": "The draft could not be made",
    },
    "web_act_draft_back_to_map": {"es": "Volver al mapa", "en": "Back to the map"},
    "web_act_draft_header": {
        "es": "Borrador creado desde el mapa {map} por {author} el {when}.\n"
        "Quien llegó a «{at}» y no a «{next}» en {days} días recibe un recordatorio;\n"
        "un {holdout} % queda fuera para medirlo. Simúlalo en Automatizaciones, edítalo y "
        "publícalo.",
        "en": "Draft started from the map {map} by {author} on {when}.\n"
        "Who reached '{at}' and not '{next}' within {days} days gets a reminder;\n"
        "{holdout} % are held out to measure it. Dry-run it on the Act page, edit it, then "
        "publish.",
    },
    "web_act_draft_days_bad": {
        "es": "Los días de espera deben ser de 1 a {most} (se dio {days}).",
        "en": "The days to wait must be 1 to {most} (got {days}).",
    },
    "web_act_draft_unmeasured": {
        "es": "«{id}» no tiene regla en el mapa: ningún cliente podría entrar.",
        "en": "'{id}' has no rule in the map: no customer could enter.",
    },
    "web_act_draft_no_next": {
        "es": "Después de «{at}» el mapa no tiene ningún paso medible que esperar.",
        "en": "After '{at}' the map has no measurable step to wait for.",
    },
}
