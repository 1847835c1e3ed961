"""Ready-made automations, each in Spanish and English (``NAME.LANG.yaml`` beside this file).

Each names the journey-map template whose touchpoints it uses; ``recorrido automations new``
copies the text as it is, comments included.
"""

from __future__ import annotations

from importlib.resources import files

from recorrido.errors import RecorridoError
from recorrido.i18n import LANGUAGES

#: template name -> the map template it fits.
TEMPLATES: dict[str, str] = {
    "welcome": "lifecycle",
    "abandoned-cart": "ecommerce",
    "abandoned-browse": "ecommerce",
    "re-engagement": "ecommerce",
    "review-request": "ecommerce",
    "assisted-call": "ecommerce",
}


def template_text(name: str, lang: str) -> str:
    if name not in TEMPLATES or lang not in LANGUAGES:
        raise RecorridoError("automations_template_unknown", name=name, known=", ".join(TEMPLATES))
    return (files(__package__) / f"{name}.{lang}.yaml").read_text(encoding="utf-8")
