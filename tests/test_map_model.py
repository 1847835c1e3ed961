"""The map model: the Python API, and round trips through YAML that keep what people wrote."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from recorrido.journey import JourneyMap, Rule, Touchpoint, load_template
from tests.conftest import FILES
from tests.test_map_strategies import journey_maps

COMMENTED = FILES / "maps" / "commented.yaml"


def test_api_finds_parts_in_map_order():
    journey = load_template("ecommerce", "en")
    assert [s.id for s in journey.stages] == ["discover", "consider", "buy", "receive", "loyalty"]
    assert [tp.id for tp in journey.touchpoints][:4] == [
        "ads",
        "search",
        "product-view",
        "newsletter",
    ]
    assert journey.stage("buy").phase == "during"
    assert journey.touchpoint("purchase").match == Rule(event=["orders"])
    assert journey.stage_of("purchase").id == "buy"
    assert journey.goal.rule(journey) == Rule(event="orders")
    assert journey.persona("decided-buyer").rule.matches({"event": "orders"})
    assert journey.touchpoint("phone-order-help").mode == "assisted"


def test_spanish_and_english_templates_are_the_same_map():
    for name in ("lifecycle", "purchase", "ecommerce"):
        es, en = load_template(name, "es"), load_template(name, "en")
        assert [s.id for s in es.stages] == [s.id for s in en.stages]
        assert [(t.id, t.match, t.mode) for t in es.touchpoints] == [
            (t.id, t.match, t.mode) for t in en.touchpoints
        ]
    lifecycle = load_template("lifecycle", "es")
    assert [s.name for s in lifecycle.stages] == [
        "Conocimiento",
        "Adquisición",
        "Incorporación",
        "Implicación",
        "Retención",
        "Defensa",
    ]
    purchase = load_template("purchase", "es")
    assert [s.phase for s in purchase.stages] == ["before", "during", "after"]


def test_unchanged_map_saves_byte_for_byte(tmp_path):
    journey = JourneyMap.load(COMMENTED)
    out = tmp_path / "same.yaml"
    journey.save(out)
    assert out.read_text(encoding="utf-8") == COMMENTED.read_text(encoding="utf-8")


def test_edit_keeps_comments_order_and_quotes(tmp_path):
    journey = JourneyMap.load(COMMENTED)
    journey.name = "Tienda del barrio"
    journey.stage("mirar").touchpoints.append(
        Touchpoint(id="folleto", name="Folleto en el buzón", channel="papel")
    )
    journey.touchpoint("caja").mode = "self-service"
    out = tmp_path / "edited.yaml"
    journey.save(out)
    text = out.read_text(encoding="utf-8")

    assert text.startswith("# Hand-written map: comments, key order and quoting")
    assert "  # First the customer looks around.\n" in text
    assert "# the shop's name, quoted on purpose" in text
    assert "# from walking the journey" in text
    assert "touchpoint: caja   # success" in text
    assert "        match:            # rule before name: the author's order\n" in text
    assert text.index("id: escaparate") < text.index("match:") < text.index("name: Escaparate web")
    assert "event: [orders]" in text  # a list of one stays as written
    assert "mode: self-service" in text
    assert (
        "      - id: folleto\n        name: Folleto en el buzón\n        channel: papel\n" in text
    )

    again = JourneyMap.load(out)
    assert again == journey
    assert again.name == "Tienda del barrio"
    assert [tp.id for tp in again.stage("mirar").touchpoints] == ["escaparate", "folleto"]


def test_reordered_stages_take_their_comments_along():
    journey = JourneyMap.load(COMMENTED)
    journey.stages.reverse()
    text = journey.dumps()
    assert text.index("id: comprar") < text.index("id: mirar")
    assert "      - La caja tarda mucho los sábados.   # from walking the journey\n" in text
    assert "        match:            # rule before name: the author's order\n" in text
    del journey.stages[1]
    assert "id: mirar" not in journey.dumps()
    assert JourneyMap.loads(journey.dumps()) == journey


def test_a_map_built_in_python_saves_and_loads(tmp_path):
    journey = JourneyMap.model_validate(
        {
            "name": "Nuevo",
            "stages": [
                {
                    "id": "a",
                    "name": "A",
                    "touchpoints": [{"id": "t", "name": "T", "match": {"event": "x"}}],
                }
            ],
        }
    )
    path = tmp_path / "new.yaml"
    journey.save(path)
    assert path.read_text(encoding="utf-8").startswith("name: Nuevo\nstages:\n  - id: a\n")
    assert JourneyMap.load(path) == journey


def test_save_refuses_an_invalid_edit(tmp_path):
    import pytest

    from recorrido.journey import MapInvalid

    journey = JourneyMap.load(COMMENTED)
    journey.goal.touchpoint = "nowhere"
    with pytest.raises(MapInvalid) as caught:
        journey.save(tmp_path / "bad.yaml")
    assert caught.value.problems[0].code == "goal_unknown_touchpoint"
    assert not (tmp_path / "bad.yaml").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=journey_maps())
def test_any_valid_map_survives_save_and_load(tmp_path_factory, data):
    journey = JourneyMap.model_validate(data)
    path = tmp_path_factory.mktemp("maps") / "map.yaml"
    journey.save(path)
    loaded = JourneyMap.load(path)
    assert loaded == journey
    assert loaded.dumps() == path.read_text(encoding="utf-8")  # a second round changes nothing
