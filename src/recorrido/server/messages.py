"""User-facing text of the server part, in Spanish and English (merged into recorrido.i18n)."""

MESSAGES: dict[str, dict[str, str]] = {
    # collection API: answers to senders
    "server_auth_missing": {
        "es": "Falta la clave de escritura: envíala como usuario de HTTP Basic (o «writeKey» en "
        "el cuerpo). Crea una con: recorrido keys create -w CARPETA",
        "en": "The write key is missing: send it as the HTTP Basic user name (or 'writeKey' in "
        "the body). Make one with: recorrido keys create -w FOLDER",
    },
    "server_read_token_missing": {
        "es": "Falta el token de lectura: envíalo como «Authorization: Bearer TOKEN». Crea uno "
        "con: recorrido keys create --kind read -w CARPETA",
        "en": "The read token is missing: send it as 'Authorization: Bearer TOKEN'. Make one "
        "with: recorrido keys create --kind read -w FOLDER",
    },
    "server_auth_wrong": {
        "es": "La clave no es válida o fue revocada.",
        "en": "The key is not valid or was revoked.",
    },
    "server_auth_kind": {
        "es": "Esta clave es de tipo «{kind}»; aquí hace falta una clave de tipo «{needed}».",
        "en": "This key is a '{kind}' key; this needs a '{needed}' key.",
    },
    "server_too_large": {
        "es": "La petición pesa {size} bytes; el límite es {limit} bytes ({what}).",
        "en": "The request is {size} bytes; the limit is {limit} bytes ({what}).",
    },
    "server_call_too_large": {
        "es": "La llamada pesa {size} bytes; el límite por llamada es {limit} bytes.",
        "en": "The call is {size} bytes; the limit per call is {limit} bytes.",
    },
    "server_bad_gzip": {
        "es": "El cuerpo dice estar comprimido con gzip pero no se puede descomprimir.",
        "en": "The body claims gzip encoding but cannot be decompressed.",
    },
    "server_bad_encoding": {
        "es": "Codificación de contenido no admitida «{encoding}»: usa gzip o ninguna.",
        "en": "Unsupported content encoding '{encoding}': use gzip or none.",
    },
    "server_bad_json": {
        "es": "El cuerpo no es JSON válido: {detail}",
        "en": "The body is not valid JSON: {detail}",
    },
    "server_not_object": {
        "es": "Se esperaba un objeto JSON.",
        "en": "A JSON object was expected.",
    },
    "server_batch_not_list": {
        "es": "«batch» debe ser una lista de llamadas.",
        "en": "'batch' must be a list of calls.",
    },
    "server_batch_empty": {
        "es": "«batch» no contiene ninguna llamada.",
        "en": "'batch' holds no call.",
    },
    "server_bad_type": {
        "es": "Tipo de llamada desconocido «{value}»: usa track, identify, page, screen, alias "
        "o group.",
        "en": "Unknown call type '{value}': use track, identify, page, screen, alias or group.",
    },
    "server_missing_id": {
        "es": "La llamada no tiene userId ni anonymousId.",
        "en": "The call has no userId or anonymousId.",
    },
    "server_missing_previous_id": {
        "es": "Una llamada alias necesita previousId y userId.",
        "en": "An alias call needs previousId and userId.",
    },
    "server_missing_event": {
        "es": "Una llamada track necesita «event» (el nombre del evento).",
        "en": "A track call needs 'event' (the event's name).",
    },
    "server_wrong_type": {
        "es": "El campo «{field}» debe ser {expected}.",
        "en": "The field '{field}' must be {expected}.",
    },
    "server_bad_timestamp": {
        "es": "El campo «{field}» no es una fecha ISO 8601: «{value}».",
        "en": "The field '{field}' is not an ISO 8601 time: '{value}'.",
    },
    "server_rate_limited": {
        "es": "Demasiadas peticiones con esta clave; vuelve a intentarlo en {seconds} s.",
        "en": "Too many requests with this key; try again in {seconds} s.",
    },
    "server_landing_failed": {
        "es": "El servidor no pudo guardar la llamada en disco; no se ha aceptado. Reinténtalo.",
        "en": "The server could not put the call on disk; it was not accepted. Retry it.",
    },
    "server_not_found": {
        "es": "No existe esta dirección.",
        "en": "There is nothing at this address.",
    },
    "server_method": {
        "es": "Método no permitido aquí.",
        "en": "Method not allowed here.",
    },
    "server_invalid_request": {
        "es": "Petición no válida: {detail}",
        "en": "Invalid request: {detail}",
    },
    "server_internal": {
        "es": "Error interno del servidor; está anotado en el registro del servidor.",
        "en": "Internal server error; it is written in the server's log.",
    },
    "server_forward_timeout": {
        "es": "El servidor de recorrido ({address}) no respondió a tiempo; mira su registro o "
        "para el servidor para usar este comando.",
        "en": "The recorrido server ({address}) did not answer in time; see its log, or stop "
        "the server to use this command.",
    },
    "server_http_status": {
        "es": "El servidor de recorrido respondió HTTP {status} sin explicación.",
        "en": "The recorrido server answered HTTP {status} without an explanation.",
    },
    "server_map_missing": {
        "es": "No hay ningún mapa «{name}» en el espacio de trabajo.",
        "en": "There is no map '{name}' in the workspace.",
    },
    # serve / keys commands
    "server_stopped": {
        "es": "recorrido se ha parado (espacio de trabajo {folder}).",
        "en": "recorrido stopped (workspace {folder}).",
    },
    "server_listening": {
        "es": "recorrido escucha en {address} (espacio de trabajo {folder}). Ctrl+C para parar.",
        "en": "recorrido is listening on {address} (workspace {folder}). Ctrl+C to stop.",
    },
    "server_collect_hint": {
        "es": "Envía eventos a {address}/v1/batch con una clave de escritura "
        "(recorrido keys create -w {folder}); API JSON en {address}/api/v1, documentación en "
        "{address}/docs",
        "en": "Send events to {address}/v1/batch with a write key "
        "(recorrido keys create -w {folder}); JSON API at {address}/api/v1, documentation at "
        "{address}/docs",
    },
    "server_no_keys_yet": {
        "es": "Aún no hay claves de escritura: crea una con recorrido keys create -w {folder}",
        "en": "No write key yet: make one with recorrido keys create -w {folder}",
    },
    "server_public_without_keys": {
        "es": "No se escucha en {host} sin claves: crea antes una clave con "
        "recorrido keys create -w {folder} (por defecto solo se escucha en 127.0.0.1).",
        "en": "Refusing to listen on {host} without keys: make a key first with "
        "recorrido keys create -w {folder} (by default only 127.0.0.1 is used).",
    },
    "server_already_running": {
        "es": "Ya hay un servidor de recorrido (pid {pid}) para {folder} en {address}.",
        "en": "A recorrido server (pid {pid}) already runs for {folder} at {address}.",
    },
    "server_holds_workspace": {
        "es": "El servidor de recorrido (pid {pid}, {address}) tiene abierto este espacio de "
        "trabajo y es su único escritor. Envía los eventos a {address}/v1/batch, pregunta a "
        "{address}/api/v1 o para el servidor para usar este comando.",
        "en": "The recorrido server (pid {pid}, {address}) holds this workspace open as its one "
        "writer. Send events to {address}/v1/batch, ask {address}/api/v1, or stop the server "
        "to use this command.",
    },
    "server_port_busy": {
        "es": "El puerto {port} de {host} ya está en uso: elige otro con --port.",
        "en": "Port {port} on {host} is already in use: choose another with --port.",
    },
    "server_keys_created": {
        "es": "Clave de tipo «{kind}» creada (id {key_id}). Guárdala ahora; no se vuelve a "
        "mostrar:",
        "en": "'{kind}' key created (id {key_id}). Keep it now; it is not shown again:",
    },
    "server_keys_revoked": {
        "es": "Clave {key_id} revocada.",
        "en": "Key {key_id} revoked.",
    },
    "server_keys_unknown": {
        "es": "No hay ninguna clave con id «{key_id}». Míralas con: recorrido keys list -w CARPETA",
        "en": "No key has the id '{key_id}'. See them with: recorrido keys list -w FOLDER",
    },
    "server_keys_bad_kind": {
        "es": "Tipo de clave desconocido «{kind}»: usa write o read.",
        "en": "Unknown key kind '{kind}': use write or read.",
    },
    "server_keys_none": {
        "es": "No hay claves. Crea una con: recorrido keys create -w {folder}",
        "en": "No keys. Make one with: recorrido keys create -w {folder}",
    },
    "server_keys_file_invalid": {
        "es": "El archivo de claves {path} no es válido: {detail}",
        "en": "The keys file {path} is not valid: {detail}",
    },
    "server_keys_col_id": {"es": "clave", "en": "key"},
    "server_keys_col_kind": {"es": "tipo", "en": "kind"},
    "server_keys_col_name": {"es": "nombre", "en": "name"},
    "server_keys_col_created": {"es": "creada", "en": "created"},
    "server_keys_col_state": {"es": "estado", "en": "state"},
    "server_keys_active": {"es": "activa", "en": "active"},
    "server_keys_revoked_state": {"es": "revocada", "en": "revoked"},
}
