"""Pseudonymisation at ingest: no raw id reaches the database, the same person keeps one
pseudonym across ingests, the figures are those of the raw ids, a person is still exported and
forgotten by their original id, and raw and hashed ids are never mixed."""

from __future__ import annotations

import shutil
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from recorrido import RecorridoError, Workspace
from recorrido.cli import app
from recorrido.feedback.ingest import ingest_feedback
from recorrido.privacy import ledger
from recorrido.privacy.person import export_person
from recorrido.privacy.pseudonyms import pseudonym
from recorrido.settings import SETTINGS_FILE
from tests.server_helpers import make_key, running_server, wait_for

PEOPLE = 12
ANONYMOUS_ONLY = 4
FUNNEL = ["page_view", "product_viewed", "signed_up", "purchase"]


def _user(i: int) -> str:
    return f"cliente-{i:02d}@tienda.es"


def _anonymous(i: int) -> str:
    return f"navegador-{i:02d}-xyz"


def _csv() -> tuple[str, list[str]]:
    """Browsing as an anonymous visitor, sign-up (which links the two ids), purchases by user id;
    a few visitors who never sign up; one refused row that carries an id. No event ids: they are
    content hashes. Also the raw ids, for looking for them."""
    lines = ["customer_id,anonymous_id,timestamp,event,channel,plan"]
    for i in range(PEOPLE):
        user, anonymous, day = _user(i), _anonymous(i), 1 + i % 20
        lines.append(f",{anonymous},2024-03-{day:02d}T10:00:00Z,page_view,web,free")
        lines.append(f",{anonymous},2024-03-{day:02d}T10:02:00Z,product_viewed,web,free")
        if i < PEOPLE - ANONYMOUS_ONLY:
            lines.append(f"{user},{anonymous},2024-03-{day:02d}T10:05:00Z,signed_up,web,free")
            if i % 2 == 0:
                lines.append(f"{user},,2024-03-{day:02d}T18:00:00Z,purchase,mobile,pro")
    lines.append(f"{_user(0)},,nunca,purchase,web,pro")  # quarantined: its record names the id
    ids = [_user(i) for i in range(PEOPLE)] + [_anonymous(i) for i in range(PEOPLE)]
    return "\n".join(lines) + "\n", ids


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """A plain and a pseudonymised workspace, each with the same file ingested twice."""
    root = tmp_path_factory.mktemp("pseudo")
    text, ids = _csv()
    path = root / "events.csv"
    path.write_text(text, encoding="utf-8")
    result = {"file": path, "ids": ids, "reports": []}
    for name, pseudonymise in (("plain", False), ("pseudo", True)):
        folder = root / name
        with Workspace.init(folder, language="en", pseudonymise=pseudonymise) as ws:
            first, second = ws.ingest(path), ws.ingest(path)
        result[name] = folder
        if pseudonymise:
            result["reports"] = [first, second]
    return result


@pytest.fixture
def pseudo_copy(data, tmp_path) -> Path:
    """A copy of the pseudonymised workspace (key included) for a test that changes it."""
    folder = tmp_path / "pseudo"
    shutil.copytree(data["pseudo"], folder)
    return folder


def _key(folder: Path) -> str:
    return (folder / ledger.KEY_FILE).read_text(encoding="ascii").strip()


def _raw_ids_found(ws: Workspace, ids: list[str]) -> dict[str, list[str]]:
    """Every table and column of the workspace, read as text, searched for the raw ids."""
    found: dict[str, list[str]] = {}
    for name in ws.con.list_tables():
        table = ws.con.table(name)
        for column in table.columns:
            values = table[column].cast("string").to_pyarrow().to_pylist()
            hits = sorted({i for v in values if v for i in ids if i in v})
            if hits:
                found[f"{name}.{column}"] = hits
    return found


def test_the_key_is_made_at_init_and_kept_private(data):
    key_file = data["pseudo"] / ledger.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(_key(data["pseudo"])) == 64
    assert "pseudonymise: true" in (data["pseudo"] / SETTINGS_FILE).read_text(encoding="utf-8")


def test_no_raw_id_is_stored_anywhere(data):
    first, second = data["reports"]
    assert (first.ingested, first.quarantined) == (len(_csv()[0].splitlines()) - 2, 1)
    assert (second.ingested, second.duplicates) == (0, first.ingested)  # same ids the 2nd time
    with Workspace.open(data["pseudo"], read_only=True) as ws:
        tables = set(ws.con.list_tables())
        assert {"raw_events", "identity_links", "identity_map", "customers", "quarantine"} <= tables
        assert _raw_ids_found(ws, data["ids"]) == {}
        quarantined = ws.quarantine.to_pyarrow().to_pylist()
        assert [(q["reason_code"], q["record"]) for q in quarantined] == [
            ("bad_timestamp", None),
            ("bad_timestamp", None),
        ]
        stored_ids = set(ws.con.table("raw_events").event_id.to_list())
    with Workspace.open(data["plain"], read_only=True) as ws:  # the check can fail: plain has them
        assert set(_raw_ids_found(ws, data["ids"])) >= {
            "raw_events.customer_id",
            "quarantine.record",
        }
        plain_ids = set(ws.con.table("raw_events").event_id.to_list())
    # content-hash event ids are keyed too (a plain md5 of the row would confirm a guessed id)
    assert len(stored_ids) == len(plain_ids) and not stored_ids & plain_ids
    assert all(i.startswith("h:") and len(i) == 66 for i in stored_ids)


def test_one_person_keeps_one_pseudonym_and_is_stitched(data):
    key = _key(data["pseudo"])
    with Workspace.open(data["pseudo"], read_only=True) as ws:
        events = ws.events
        owners = events.group_by("customer_id").aggregate(n=events.count()).to_pyarrow()
        owned = dict(zip(owners["customer_id"].to_pylist(), owners["n"].to_pylist(), strict=True))
        anonymous = ws.con.table("raw_events").anonymous_id.to_list()
    # the browsing before sign-up belongs to the user's pseudonym, as it would to the user id
    assert owned[pseudonym(key, _user(0))] == 4
    assert owned[pseudonym(key, _user(1))] == 3
    assert owned[pseudonym(key, _anonymous(PEOPLE - 1))] == 2  # never signed up
    assert len(owned) == PEOPLE
    assert pseudonym(key, _anonymous(0)) in anonymous
    with Workspace.open(data["plain"], read_only=True) as ws:
        plain_owners = ws.events.customer_id.nunique().execute()
    assert plain_owners == len(owned)


def test_figures_equal_those_of_the_raw_ids(data):
    figures = {}
    for name in ("plain", "pseudo"):
        with Workspace.open(data[name], read_only=True) as ws:
            funnel = ws.funnel(FUNNEL).to_dict()
            customers = ws.customers.count().execute()
            per_event = ws.events.event.value_counts().to_pandas()
            figures[name] = (funnel, customers, sorted(per_event.itertuples(index=False)))
    assert figures["plain"] == figures["pseudo"]
    funnel = figures["pseudo"][0]
    assert [s["customers"] for s in funnel["steps"]] == [PEOPLE, PEOPLE, 8, 4]


def test_measure_gives_the_same_map(tmp_path):
    from recorrido.demo import bundled
    from recorrido.journey.templates import load_template

    measured = {}
    for pseudonymise in (False, True):
        folder = tmp_path / f"otto-{pseudonymise}"
        with Workspace.init(folder, language="en", pseudonymise=pseudonymise) as ws:
            with bundled("otto_sample.jsonl") as path, bundled("otto_mapping.yaml") as mapping:
                ws.ingest(path, mapping=mapping)
            measured[pseudonymise] = ws.measure(load_template("ecommerce", "en")).to_dict()
    assert measured[True] == measured[False]
    assert any(s["customers"] for s in measured[True]["stages"])


def test_export_and_forget_by_the_original_id(data, pseudo_copy):
    runner = CliRunner()
    with Workspace.open(data["plain"], read_only=True) as ws:
        plain = export_person(ws, _anonymous(0))
    with Workspace.open(pseudo_copy, read_only=True) as ws:
        held = export_person(ws, _anonymous(0))  # the anonymous id finds the whole person
        by_pseudonym = export_person(ws, pseudonym(_key(pseudo_copy), _user(0)))
    assert held["found"] and len(held["events"]) == len(plain["events"]) == 4
    assert held["pseudonym"] == pseudonym(_key(pseudo_copy), _anonymous(0))
    assert held["identifiers"]["user_ids"] == [pseudonym(_key(pseudo_copy), _user(0))]
    assert len(by_pseudonym["events"]) == 4  # a pseudonym from a report finds them too
    shown = runner.invoke(app, ["customer", "show", _user(0), "-w", str(pseudo_copy), "--json"])
    assert shown.exit_code == 0, shown.output
    assert '"found": true' in shown.output and '"events": 4' in shown.output

    done = runner.invoke(app, ["customer", "forget", _user(0), "-w", str(pseudo_copy), "--yes"])
    assert done.exit_code == 0, done.output
    with Workspace.open(pseudo_copy, read_only=True) as ws:
        assert not export_person(ws, _user(0))["found"]
        assert not export_person(ws, _anonymous(0))["found"]
        assert ws.events.customer_id.nunique().execute() == PEOPLE - 1
    with Workspace.open(pseudo_copy) as ws:  # the tombstones match the pseudonyms on re-ingest
        again = ws.ingest(data["file"])
        assert again.files[0].forgotten == 4 and again.ingested == 0
        assert not export_person(ws, _user(0))["found"]
        assert [e["action"] for e in ledger.audit_entries(ws.con)] == ["forget"]


def test_forgetting_before_the_data_arrives_keeps_them_out(data, tmp_path):
    folder = tmp_path / "fresh"
    Workspace.init(folder, language="en", pseudonymise=True).close()
    done = CliRunner().invoke(app, ["customer", "forget", _user(2), "-w", str(folder), "--yes"])
    assert done.exit_code == 0, done.output
    with Workspace.open(folder) as ws:
        report = ws.ingest(data["file"])
        # the rows that carry the user id; their earlier anonymous browsing was never linked to
        # it in this workspace, so it stays, as on a workspace of raw ids (docs/privacy.md)
        assert report.files[0].forgotten == 2
        assert pseudonym(_key(folder), _user(2)) not in ws.events.customer_id.to_list()


def _switch_on(settings: Path) -> None:
    text = settings.read_text(encoding="utf-8")
    assert "pseudonymise: false" in text
    settings.write_text(text.replace("pseudonymise: false", "pseudonymise: true"))


def test_switching_on_over_raw_ids_is_refused(data, tmp_path):
    folder = tmp_path / "plain"
    shutil.copytree(data["plain"], folder)
    settings = folder / SETTINGS_FILE
    _switch_on(settings)
    with Workspace.open(folder) as ws:
        before = ws.con.table("raw_events").count().execute()
        with pytest.raises(RecorridoError) as caught:
            ws.ingest(data["file"])
        assert ws.con.table("raw_events").count().execute() == before
        assert "privacy_pseudonyms" not in ws.con.list_tables()
    assert caught.value.key == "pseudonymise_raw_ids_held"
    assert "would mix raw and hashed ids" in str(caught.value)
    assert "mezclaría" in caught.value.localized("es")
    done = CliRunner().invoke(app, ["ingest", str(data["file"]), "-w", str(folder)])
    assert done.exit_code != 0 and "Traceback" not in done.output


def test_switching_off_or_losing_the_key_is_refused(data, pseudo_copy):
    settings = pseudo_copy / SETTINGS_FILE
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("pseudonymise: true", "pseudonymise: false"))
    with Workspace.open(pseudo_copy) as ws, pytest.raises(RecorridoError) as off:
        ws.ingest(data["file"])
    assert off.value.key == "pseudonymise_setting_off"
    settings.write_text(text)
    key_file = pseudo_copy / ledger.KEY_FILE
    original = key_file.read_text(encoding="ascii")
    key_file.write_text("0" * 64, encoding="ascii")
    with Workspace.open(pseudo_copy) as ws, pytest.raises(RecorridoError) as changed:
        ws.ingest(data["file"])
    assert changed.value.key == "pseudonymise_key_changed"
    key_file.unlink()
    with Workspace.open(pseudo_copy) as ws, pytest.raises(RecorridoError) as missing:
        export_person(ws, _user(0))
    assert missing.value.key == "pseudonymise_key_missing"
    assert not key_file.exists()  # no new key made behind the user's back
    key_file.write_text(original, encoding="ascii")
    with Workspace.open(pseudo_copy) as ws:
        assert ws.ingest(data["file"]).duplicates == data["reports"][0].ingested


def test_an_empty_workspace_follows_the_setting(data, tmp_path):
    folder = tmp_path / "empty"
    Workspace.init(folder, language="en").close()
    settings = folder / SETTINGS_FILE
    _switch_on(settings)
    with Workspace.open(folder) as ws:
        ws.ingest(data["file"])
        assert _raw_ids_found(ws, data["ids"]) == {}


def test_init_refuses_pseudonymising_events_read_in_place(tmp_path):
    with pytest.raises(RecorridoError) as caught:
        Workspace.init(tmp_path / "w", pseudonymise=True, events_table=str(tmp_path))
    assert caught.value.key == "pseudonymise_read_in_place"


def test_cli_init_flag(tmp_path):
    folder = tmp_path / "cli"
    done = CliRunner().invoke(app, ["init", str(folder), "--pseudonymise", "--language", "en"])
    assert done.exit_code == 0, done.output
    assert "pseudonymised" in done.output
    assert stat.S_IMODE((folder / ledger.KEY_FILE).stat().st_mode) == 0o600


def test_feedback_joins_the_pseudonym(data, pseudo_copy):
    survey = pseudo_copy.parent / "survey.csv"
    survey.write_text(
        f"customer_id,timestamp,score,comment\n{_user(0)},2024-03-05T10:00:00Z,9,muy bien\n"
        f",2024-03-05T10:00:00Z,3,{_user(1)} sin cliente\n",
        encoding="utf-8",
    )
    with Workspace.open(pseudo_copy) as ws:
        report = ingest_feedback(ws, survey, kind="nps")
        assert (report.ingested, report.quarantined) == (1, 1)
        again = ingest_feedback(ws, survey, kind="nps")
        assert again.ingested == 0 and again.duplicates == 1
        owners = ws.con.table("feedback").customer_id.to_list()
        assert owners == [pseudonym(_key(pseudo_copy), _user(0))]
        assert _raw_ids_found(ws, data["ids"]) == {}


def test_the_collection_api_pseudonymises_too(tmp_path):
    folder = tmp_path / "live"
    Workspace.init(folder, language="en", pseudonymise=True).close()
    key = make_key(folder)
    calls = [
        {"type": "page", "anonymousId": "cookie-aa11", "name": "Home", "messageId": "m1"},
        {"type": "identify", "userId": "lucia@ejemplo.es", "anonymousId": "cookie-aa11"},
        {"type": "track", "userId": "lucia@ejemplo.es", "event": "Order Completed"},
        {"type": "alias", "previousId": "old-device-42", "userId": "lucia@ejemplo.es"},
    ]
    with running_server(folder) as (url, app_):
        answer = httpx.post(f"{url}/v1/batch", json={"batch": calls}, auth=(key, ""))
        assert answer.status_code == 200, answer.text

        def owners():
            return app_.state.ctx.run(lambda ws: ws.events.customer_id.to_pyarrow().to_pylist())

        assert wait_for(lambda: len(owners()) == 4, timeout=10.0), owners()
        found = app_.state.ctx.run(
            lambda ws: _raw_ids_found(ws, ["cookie-aa11", "lucia@ejemplo.es", "old-device-42"])
        )
        people = set(owners())
    assert found == {}
    assert people == {pseudonym(_key(folder), "lucia@ejemplo.es")}  # stitched, alias included


def test_on_postgresql(data, tmp_path):
    psycopg = pytest.importorskip("psycopg")
    try:
        server = psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="test", connect_timeout=3
        )
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    server.close()
    name = f"rt_{uuid.uuid4().hex[:12]}"
    folder = tmp_path / "team"
    try:
        with Workspace.init(
            folder,
            language="en",
            connection="postgresql://postgres@127.0.0.1:5432/test",
            connection_schema=name,
            pseudonymise=True,
        ) as ws:
            first, second = ws.ingest(data["file"]), ws.ingest(data["file"])
            assert second.duplicates == first.ingested > 0
            assert _raw_ids_found(ws, data["ids"]) == {}
            owners = set(ws.events.customer_id.to_list())
            assert pseudonym(_key(folder), _user(0)) in owners and len(owners) == PEOPLE
            assert ws.funnel(FUNNEL).to_dict()["steps"][-1]["customers"] == 4
            held = export_person(ws, _anonymous(0))
            assert held["found"] and len(held["events"]) == 4
    finally:
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="test") as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
