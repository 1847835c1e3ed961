"""Ready-made maps to start from, each in Spanish and English (``NAME.LANG.yaml`` beside this file).

A template is a complete, valid map: ``recorrido map new`` copies its text as it is, comments
included, so the comments can teach how to adapt it.
"""

from __future__ import annotations

from importlib.resources import files

from recorrido.errors import RecorridoError, did_you_mean
from recorrido.i18n import LANGUAGES
from recorrido.journey.model import JourneyMap

#: name -> what it is, per language.
TEMPLATES: dict[str, dict[str, str]] = {
    "lifecycle": {
        "es": "Ciclo de vida en seis etapas: Conocimiento, Adquisición, Incorporación, "
        "Implicación, Retención, Defensa.",
        "en": "Lifecycle in six stages: Awareness, Acquisition, Onboarding, Engagement, "
        "Retention, Advocacy.",
    },
    "purchase": {
        "es": "Las tres fases de la compra: antes, durante y después.",
        "en": "The three purchase phases: before, during and after.",
    },
    "ecommerce": {
        "es": "Tienda online; sus reglas encajan con la muestra OTTO incluida (recorrido demo).",
        "en": "Online shop; its rules fit the bundled OTTO sample (recorrido demo).",
    },
}


def template_text(name: str, lang: str) -> str:
    """The YAML text of template ``name`` in ``lang`` (es or en)."""
    if name not in TEMPLATES:
        raise RecorridoError(
            "map_template_unknown",
            name=name,
            names=", ".join(TEMPLATES),
            hint=_hint(name),
        )
    if lang not in LANGUAGES:
        raise RecorridoError("unknown_language", name=lang)
    return (files(__name__) / f"{name}.{lang}.yaml").read_text(encoding="utf-8")


def load_template(name: str, lang: str) -> JourneyMap:
    return JourneyMap.loads(template_text(name, lang), f"{name}.{lang}.yaml")


def _hint(name: str) -> str:
    close = did_you_mean(name, TEMPLATES)
    return f" ({close}?)" if close else ""
