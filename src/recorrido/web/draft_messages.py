"""User-facing text of a draft automation started from the map's panel (``web/act_draft.py``):
the panel's form, the file's header and the refusals, in Spanish and English (merged into
recorrido.i18n beside ``web/messages.py``)."""

MESSAGES: dict[str, dict[str, str]] = {
    "web_act_draft_title": {"es": "Actuar aquí", "en": "Act here"},
    "web_act_draft_help": {
        "es": "Por quien llegue aquí y no siga con «{next}» en los días indicados, la acción "
        "que elijas (un 10 % queda fuera para medirla). Se crea como borrador: lo simulas y "
        "lo publicas en Automatizaciones.",
        "en": "For whoever gets here and does not go on to '{next}' within the days given, the "
        "action you choose (10 % held out to measure it). It is made as a draft: dry-run and "
        "publish it on the Automations page.",
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
    "web_act_draft_header_email": {
        "es": "Borrador creado desde el mapa {map} por {author} el {when}.\n"
        "Quien llegó a «{at}» y no a «{next}» en {days} días recibe un recordatorio;\n"
        "un {holdout} % queda fuera para medirlo. Simúlalo en Automatizaciones, edítalo y "
        "publícalo.",
        "en": "Draft started from the map {map} by {author} on {when}.\n"
        "Who reached '{at}' and not '{next}' within {days} days gets a reminder;\n"
        "{holdout} % are held out to measure it. Dry-run it on the Act page, edit it, then "
        "publish.",
    },
    "web_act_draft_header_task": {
        "es": "Borrador creado desde el mapa {map} por {author} el {when}.\n"
        "Por quien llegó a «{at}» y no a «{next}» en {days} días, el responsable del punto de\n"
        "contacto recibe una tarea (llamar, ayudar); un {holdout} % queda fuera para medirlo.\n"
        "Simúlalo en Automatizaciones, edítalo y publícalo.",
        "en": "Draft started from the map {map} by {author} on {when}.\n"
        "For who reached '{at}' and not '{next}' within {days} days, the touchpoint's owner\n"
        "gets a task (call, help); {holdout} % are held out to measure it.\n"
        "Dry-run it on the Act page, edit it, then publish.",
    },
    "web_act_draft_header_webhook": {
        "es": "Borrador creado desde el mapa {map} por {author} el {when}.\n"
        "Por quien llegó a «{at}» y no a «{next}» en {days} días se envía un webhook firmado\n"
        "(secreto en RECORRIDO_WEBHOOK_SECRET); un {holdout} % queda fuera para medirlo.\n"
        "Simúlalo en Automatizaciones, edítalo y publícalo.",
        "en": "Draft started from the map {map} by {author} on {when}.\n"
        "For who reached '{at}' and not '{next}' within {days} days a signed webhook is sent\n"
        "(secret in RECORRIDO_WEBHOOK_SECRET); {holdout} % are held out to measure it.\n"
        "Dry-run it on the Act page, edit it, then publish.",
    },
    "web_act_draft_action": {"es": "Qué hacer", "en": "What to do"},
    "web_act_draft_action_email": {
        "es": "Recordatorio por correo al cliente",
        "en": "A reminder e-mail to the customer",
    },
    "web_act_draft_action_task": {
        "es": "Tarea para el responsable (llamar, ayudar)",
        "en": "A task for the owner (call, help)",
    },
    "web_act_draft_action_webhook": {
        "es": "Webhook a otro sistema (CRM, mensajería)",
        "en": "A webhook to another system (CRM, messaging)",
    },
    "web_act_draft_url": {
        "es": "Dirección del webhook (solo para webhook)",
        "en": "Webhook address (for a webhook only)",
    },
    "web_act_draft_url_bad": {
        "es": "«{url}» no sirve como dirección de webhook: debe ser http(s)://servidor/... sin "
        "usuario ni contraseña.",
        "en": "'{url}' is no webhook address: it must be http(s)://host/... without a user or "
        "password.",
    },
    "web_act_draft_action_bad": {
        "es": "Acción desconocida «{action}»; se conocen: {known}.",
        "en": "Unknown action '{action}'; known: {known}.",
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
