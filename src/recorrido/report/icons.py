"""Inline SVG icons for the channels and the self-service / assisted marks (no icon font, no
request: each icon is a few SVG paths in the page). The icons are ours, never user text."""

from __future__ import annotations

from markupsafe import Markup

#: Channel kinds with an icon; a map's free-text channel is matched to one by :func:`channel_kind`.
KINDS = ("web", "app", "email", "phone", "store", "social", "chat", "ads", "other")

_SYNONYMS = {
    "web": ("web", "website", "online", "site", "ecommerce", "e-commerce", "seo", "search"),
    "app": ("app", "mobile", "movil", "móvil", "ios", "android", "push", "sms"),
    "email": ("email", "e-mail", "mail", "correo", "newsletter", "boletin", "boletín"),
    "phone": ("phone", "telefono", "teléfono", "call", "llamada", "callcenter", "call-center"),
    "store": ("store", "tienda", "shop", "pos", "retail", "branch", "oficina", "office"),
    "social": ("social", "facebook", "instagram", "tiktok", "twitter", "x", "linkedin", "redes"),
    "chat": ("chat", "whatsapp", "messenger", "telegram", "bot", "chatbot", "livechat"),
    "ads": ("ads", "ad", "advertising", "publicidad", "anuncio", "anuncios", "display", "sem"),
}

# 24×24 stroke icons (drawn for this report, in the style of common open icon sets).
_PATHS = {
    "web": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c2.5 2.7 3.7 5.7 3.7 9'
    's-1.2 6.3-3.7 9c-2.5-2.7-3.7-5.7-3.7-9S9.5 5.7 12 3z"/>',
    "app": '<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/>',
    "email": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3.5 6 8.5 7 8.5-7"/>',
    "phone": '<path d="M5 3.5h3.5l1.7 4.3-2.2 1.4a11 11 0 0 0 6.8 6.8l1.4-2.2 4.3 1.7V19a1.5 1.5'
    ' 0 0 1-1.6 1.5A16.5 16.5 0 0 1 3.5 5.1 1.5 1.5 0 0 1 5 3.5z"/>',
    "store": '<path d="M3.5 9.5 5 4h14l1.5 5.5M3.5 9.5h17M3.5 9.5c0 1.7 1.3 2.5 2.8 2.5s2.9-.8'
    " 2.9-2.5c0 1.7 1.3 2.5 2.8 2.5s2.8-.8 2.8-2.5c0 1.7 1.4 2.5 2.9 2.5s2.8-.8 2.8-2.5"
    'M5 12v8h14v-8M10 20v-5h4v5"/>',
    "social": '<circle cx="6" cy="12" r="2.5"/><circle cx="18" cy="6" r="2.5"/>'
    '<circle cx="18" cy="18" r="2.5"/><path d="m8.2 10.8 7.6-3.6M8.2 13.2l7.6 3.6"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9.5h8M8 12.5h5"/>',
    "ads": '<path d="M3.5 10v4h3l7 4.5v-13l-7 4.5z"/><path d="M17 9a4 4 0 0 1 0 6M6.5 14l1.5 5.5'
    'h2.5L9.5 14"/>',
    "other": '<circle cx="12" cy="12" r="9"/><circle cx="8" cy="12" r=".8"/>'
    '<circle cx="12" cy="12" r=".8"/><circle cx="16" cy="12" r=".8"/>',
    "self-service": '<circle cx="12" cy="6.5" r="3"/><path d="M6 21v-3.5a6 6 0 0 1 12 0V21"/>',
    "assisted": '<circle cx="8.5" cy="7" r="2.6"/><circle cx="16" cy="8" r="2.3"/>'
    '<path d="M3.5 20v-2.5a5 5 0 0 1 10 0V20M13.5 13.4a4.3 4.3 0 0 1 7 3.3V20"/>',
}


def channel_kind(channel: str | None) -> str:
    """The icon kind of a map's channel text (``Correo`` → ``email``); ``other`` when unknown."""
    if not channel:
        return "other"
    word = channel.strip().lower()
    for kind, names in _SYNONYMS.items():
        if word in names or word.split()[0] in names:
            return kind
    return "other"


#: Channel ids that Spanish and English write differently (web, app and chat read alike).
TRANSLATED_CHANNELS = ("email", "phone", "store", "social", "ads")


def channel_label(channel: str | None, lang: str) -> str | None:
    """A channel as the reader's language says it: a plain channel id (``web``, ``email``,
    ``phone``, ``store``, ``social``, ``chat``, ``ads``, ``app``) gets its word in ``lang``
    (``correo``, ``teléfono``, ``tienda``...); any other text is the map's or the data's own."""
    from recorrido.i18n import message

    if not channel:
        return channel
    word = channel.strip().lower()
    if word in TRANSLATED_CHANNELS:
        return message(f"report_channel_{word}", lang)
    return channel


def icon(kind: str, size: int = 18, label: str | None = None) -> Markup:
    """The inline SVG of ``kind`` (a channel kind or ``self-service``/``assisted``)."""
    paths = _PATHS.get(kind, _PATHS["other"])
    title = Markup("<title>{}</title>").format(label) if label else Markup("")
    return Markup(
        '<svg class="icon icon-{kind}" width="{size}" height="{size}" viewBox="0 0 24 24" '
        'fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" '
        'stroke-linejoin="round" role="img" aria-hidden="{hidden}">{title}{paths}</svg>'
    ).format(
        kind=kind,
        size=size,
        hidden="false" if label else "true",
        title=title,
        paths=Markup(paths),
    )
