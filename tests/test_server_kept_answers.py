"""The JSON API keeps an answer while nothing it was computed from changes, and never gives a
kept answer once the data, the map or the settings have changed (a real server, real calls)."""

from __future__ import annotations

import httpx

from recorrido.journey.templates import load_template
from tests.server_helpers import event_ids, make_key, new_workspace, running_server, wait_for

MAP = "journey-map.yaml"


def _track(client, url, key, number: int, event: str) -> None:
    call = {
        "userId": f"customer-{number}",
        "event": event,
        "messageId": f"kept-{number}-{event}",
        "timestamp": f"2026-01-0{1 + number % 9}T10:00:00Z",
        "context": {"channel": "web"},
    }
    done = client.post(f"{url}/v1/track", json=call, auth=(key, ""))
    assert done.status_code == 200, done.text


def test_a_kept_answer_lasts_only_while_its_data_map_and_settings_do(tmp_path):
    folder = new_workspace(tmp_path / "ws")
    load_template("ecommerce", "en").save(folder / MAP)
    write, read = make_key(folder), make_key(folder, "read")
    question = f"/api/v1/maps/{MAP}/measure"
    # no warm worker: here each ask computes or finds its answer (the warm: test_server_warm.py)
    with running_server(folder, warm=False) as (url, app), httpx.Client(timeout=60) as client:
        bearer = {"Authorization": f"Bearer {read}"}
        kept = app.state.kept_answers
        for number in range(3):
            _track(client, url, write, number, "Product Viewed")
        assert wait_for(lambda: len(event_ids(app)) == 3)

        first = client.get(url + question, headers=bearer).json()
        again = client.get(url + question, headers=bearer).json()
        assert first == again and kept.hits == 1
        assert first["summary"]["events"] == 3
        # another question is computed anew
        other = client.get(url + question, params={"inactivity": "1d"}, headers=bearer)
        assert other.status_code == 200 and kept.hits == 1

        # new events land: the next answer counts them
        _track(client, url, write, 7, "Order Completed")
        assert wait_for(lambda: len(event_ids(app)) == 4)
        after_load = client.get(url + question, headers=bearer).json()
        assert after_load["summary"]["events"] == 4 and kept.hits == 1
        assert after_load["summary"]["customers"] == 4

        # the map file is edited: its new name shows
        text = (folder / MAP).read_text(encoding="utf-8")
        (folder / MAP).write_text(text.replace(first["map"], "Renamed shop", 1), encoding="utf-8")
        renamed = client.get(url + question, headers=bearer).json()
        assert renamed["map"] == "Renamed shop" and kept.hits == 1
        assert client.get(url + question, headers=bearer).json() == renamed
        assert kept.hits == 2
