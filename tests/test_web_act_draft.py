"""Acting from the map: the touchpoint or stage panel starts a draft automation (entry there, a
reminder when the next step does not follow within N days), which the Act page then dry-runs
and publishes behind its confirmation. Over real HTTP and in Debian's Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recorrido.automations.validate import validate_file
from recorrido.journey.templates import load_template
from recorrido.web.act_draft import next_step
from recorrido.web.map_files import list_maps
from tests.test_web_browser import ARGS, CHROMIUM, Watch, _accessible, _login
from tests.test_web_pages import MAP_FILE, csrf_of, login, make_workspace, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = make_workspace(tmp_path_factory.mktemp("act-draft") / "ws")
    with serve(folder) as base:
        yield base, folder


def _drafts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("draft-*.yaml"))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"touchpoint": "add-to-cart"}, "purchase"),  # the goal, later in the same stage
        ({"touchpoint": "product-view"}, "purchase"),  # the goal, in a later stage
        ({"stage": "discover"}, "purchase"),
        # Past the goal: the first touchpoint with a rule in the stages after.
        ({"touchpoint": "purchase"}, "delivery"),
        ({"stage": "receive"}, "review"),
        ({"touchpoint": "referral"}, None),  # the last stage: nothing after
    ],
)
def test_next_step_is_the_goal_ahead_else_the_next_stage(where, expected):
    assert next_step(load_template("ecommerce", "en"), **where) == expected


def test_editor_starts_a_draft_from_the_touchpoint_panel(site):
    base, folder = site
    editor = login(base, "editor")
    panel = editor.get(f"/maps/{MAP_FILE}/panel", params={"touchpoint": "add-to-cart"})
    assert panel.status_code == 200
    assert 'id="panel-draft"' in panel.text and "go on to &#39;Order&#39;" in panel.text
    before = _drafts(folder)
    answer = editor.post(
        "/act/draft",
        data={
            "csrf": csrf_of(panel.text),
            "map": MAP_FILE,
            "touchpoint": "add-to-cart",
            "stage": "",
            "days": "2",
        },
    )
    assert answer.status_code == 303
    made = sorted(set(_drafts(folder)) - set(before))
    assert made == ["draft-add-to-cart.yaml"]
    assert answer.headers["location"] == "/act?draft=draft-add-to-cart.yaml#draft"
    path = folder / made[0]
    problems, automation = validate_file(path, "en")
    assert problems == [] and automation is not None
    assert automation.entry.touchpoint == "add-to-cart"
    wait = automation.steps[1].wait_for
    assert (wait.touchpoint, wait.timeout) == ("purchase", "2d")
    assert automation.steps[0].split.holdout == 10
    assert automation.goal.touchpoint == "purchase" and automation.goal.within == "4d"
    reminder = wait.on_timeout[0].email
    assert reminder.subject["en"] == "Shall we go on? One step left: Order"
    assert reminder.subject["es"] == "¿Seguimos? Te queda un paso: Order"  # the map's own name
    assert "# Draft started from the map journey-map.yaml by editor" in path.read_text()

    # The Act page shows it, unpublished, with its dry run; the dry run has passes to show:
    # the OTTO carts not followed by an order within two days.
    act = editor.get(answer.headers["location"])
    assert 'id="draft"' in act.text and "draft-add-to-cart.yaml" in act.text
    assert 'data-file="draft-add-to-cart.yaml"' in act.text
    dry = editor.get("/act/draft-add-to-cart.yaml/dry-run")
    assert dry.status_code == 200 and "7 passes, 7 customers" in dry.text
    # An automation, not a map: the maps listed stay the one map.
    assert [m.file for m in list_maps(folder)] == [MAP_FILE]

    # A second draft at the same place never replaces the first.
    again = editor.post(
        "/act/draft",
        data={"csrf": csrf_of(panel.text), "map": MAP_FILE, "touchpoint": "add-to-cart"},
    )
    assert again.status_code == 303 and (folder / "draft-add-to-cart-2.yaml").is_file()
    assert "timeout: 3d" in (folder / "draft-add-to-cart-2.yaml").read_text()  # the default


def test_stage_panel_starts_a_draft_on_entering_the_stage(site):
    base, folder = site
    editor = login(base, "editor")
    panel = editor.get(f"/maps/{MAP_FILE}/panel", params={"stage": "consider"})
    assert 'name="stage" value="consider"' in panel.text
    answer = editor.post(
        "/act/draft",
        data={"csrf": csrf_of(panel.text), "map": MAP_FILE, "stage": "consider", "days": "5"},
    )
    assert answer.status_code == 303
    problems, automation = validate_file(folder / "draft-consider.yaml", "en")
    assert problems == [] and automation.entry.stage == "consider"
    assert automation.steps[1].wait_for.touchpoint == "purchase"


def test_a_draft_can_hand_off_to_a_person_or_call_a_webhook(site):
    base, folder = site
    editor = login(base, "editor")
    panel = editor.get(f"/maps/{MAP_FILE}/panel", params={"touchpoint": "add-to-cart"})
    assert 'id="draft-action-task"' in panel.text and 'id="draft-action-webhook"' in panel.text
    form = {"csrf": csrf_of(panel.text), "map": MAP_FILE, "touchpoint": "add-to-cart"}
    before = set(_drafts(folder))
    task = editor.post("/act/draft", data={**form, "days": "2", "action": "task"})
    assert task.status_code == 303
    (name,) = sorted(set(_drafts(folder)) - before)
    problems, automation = validate_file(folder / name, "en")
    assert problems == []
    step = automation.steps[1].wait_for.on_timeout[0]
    # the stalled touchpoint's owner gets it (the map names who owns each touchpoint)
    assert step.task is not None and step.task.touchpoint == "add-to-cart"
    assert (
        step.task.text["en"]
        == "Help {{ customer_id }}: reached 'Add to cart' and did not go on with 'Order'"
    )
    assert "the touchpoint's owner\n# gets a task" in (folder / name).read_text()
    # Its dry run counts the tasks where the reminder draft counted e-mails: the same 7
    # stalled carts, holdout taken out.
    dry = editor.get(f"/act/{name}/dry-run")
    assert "7 passes, 7 customers" in dry.text
    sent = [int(n) for n in re.findall(r'data-step="hand-off"[^>]*>.*?sent (\d+)', dry.text, re.S)]
    assert len(sent) == 1 and 1 <= sent[0] <= 7

    before = set(_drafts(folder))
    hook = editor.post(
        "/act/draft",
        data={**form, "action": "webhook", "url": " https://crm.example.test/hooks/stalled "},
    )
    assert hook.status_code == 303
    (name,) = sorted(set(_drafts(folder)) - before)
    problems, automation = validate_file(folder / name, "en")
    assert problems == []
    webhook = automation.steps[1].wait_for.on_timeout[0].webhook
    assert webhook.url == "https://crm.example.test/hooks/stalled"
    assert webhook.data == {"stalled_at": {"touchpoint": "add-to-cart"}, "next": "purchase"}
    # A webhook without a usable address, or an unknown action, is refused and writes nothing.
    before = _drafts(folder)
    for url in ("", "ftp://x.test/a", "https://user:pw@x.test/a", "javascript:alert(1)"):
        refused = editor.post("/act/draft", data={**form, "action": "webhook", "url": url})
        assert refused.status_code == 422 and "webhook" in refused.text, url
    refused = editor.post("/act/draft", data={**form, "action": "sms"})
    assert refused.status_code == 422 and "Unknown action" in refused.text
    assert _drafts(folder) == before


def test_refused_without_the_role_the_token_or_a_sane_input(site):
    base, folder = site
    before = _drafts(folder)
    viewer = login(base, "viewer")
    panel = viewer.get(f"/maps/{MAP_FILE}/panel", params={"touchpoint": "add-to-cart"})
    assert panel.status_code == 200 and 'id="panel-draft"' not in panel.text
    form = {"csrf": csrf_of(viewer.get("/act").text), "map": MAP_FILE, "touchpoint": "carts"}
    assert viewer.post("/act/draft", data=form).status_code == 403

    editor = login(base, "editor")
    token = csrf_of(editor.get(f"/maps/{MAP_FILE}/panel", params={"stage": "buy"}).text)
    assert editor.post("/act/draft", data={**form, "csrf": ""}).status_code == 403
    base_form = {"csrf": token, "map": MAP_FILE, "touchpoint": "add-to-cart"}
    for days in ("0", "91", "three"):
        refused = editor.post("/act/draft", data={**base_form, "days": days})
        assert refused.status_code == 422 and 'id="draft-error"' in refused.text
        assert "1 to 90" in refused.text
    # Unknown names and a file that is not a map of the folder.
    assert editor.post("/act/draft", data={**base_form, "touchpoint": "nope"}).status_code == 422
    assert editor.post("/act/draft", data={**base_form, "map": "../x.yaml"}).status_code == 404
    # The last stage: no step after it to wait for; said in Spanish too.
    editor.cookies.set("recorrido_lang", "es")
    last = editor.post("/act/draft", data={**base_form, "touchpoint": "referral"})
    assert last.status_code == 422 and "no tiene ningún paso medible" in last.text
    assert _drafts(folder) == before


def test_hostile_names_stay_inert_in_the_draft(tmp_path):
    folder = make_workspace(tmp_path / "ws")
    text = (folder / MAP_FILE).read_text(encoding="utf-8")
    evil = "name: '{{ 7*7 }} <script>alert(1)</script>'"
    (folder / MAP_FILE).write_text(text.replace("name: Order", evil), encoding="utf-8")
    with serve(folder) as base:
        editor = login(base, "editor")
        panel = editor.get(f"/maps/{MAP_FILE}/panel", params={"touchpoint": "add-to-cart"})
        assert "<script>alert(1)" not in panel.text
        answer = editor.post(
            "/act/draft",
            data={"csrf": csrf_of(panel.text), "map": MAP_FILE, "touchpoint": "add-to-cart"},
        )
        assert answer.status_code == 303
        problems, automation = validate_file(folder / "draft-add-to-cart.yaml", "en")
        assert problems == []
        email = automation.steps[1].wait_for.on_timeout[0].email
        from recorrido.automations.templating import render_html, render_line

        body = render_html(email.body["en"], {"customer": {"first_name": "Ana"}})
        subject = render_line(email.subject["en"], {"customer": {}})
        assert "49" not in body and "49" not in subject  # never evaluated as a template
        assert "<script>" not in body and "&lt;script&gt;" in body
        assert "Hello Ana" in body
        assert "<script>alert(1)" not in editor.get("/act").text


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def test_in_the_browser_the_panel_button_makes_the_draft(site, browser):
    base, folder = site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watch = Watch(context, base)
    page = watch.page(context)
    _login(page, base, "editor")
    page.goto(f"{base}/maps/{MAP_FILE}")
    page.wait_for_selector("#journey-map")
    page.wait_for_load_state("load")  # htmx starts once the deferred scripts ran
    page.click('.stage-head[data-stage="buy"] button.stage-open')
    page.wait_for_selector("#panel #panel-draft")
    _accessible(page)
    page.fill("#draft-days", "6")
    page.check("#draft-action-task")
    page.click("#draft-start")
    page.wait_for_selector("#draft")
    assert page.url.startswith(f"{base}/act?draft=draft-buy")
    made = page.locator("#draft").inner_text()
    name = made.split(": ", 1)[1].split(".yaml")[0] + ".yaml"
    problems, automation = validate_file(folder / name, "en")
    assert problems == [] and automation.entry.stage == "buy"
    assert automation.steps[1].wait_for.timeout == "6d"
    assert automation.steps[1].wait_for.on_timeout[0].task is not None
    assert page.locator(f'section[data-file="{name}"] svg.step-graph').count() == 1
    _accessible(page)
    watch.assert_clean()
    context.close()

    # A viewer sees the same panel without the button.
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watch = Watch(context, base)
    page = watch.page(context)
    _login(page, base, "viewer")
    page.goto(f"{base}/maps/{MAP_FILE}")
    page.wait_for_selector("#journey-map")
    page.wait_for_load_state("load")
    page.click('.stage-head[data-stage="buy"] button.stage-open')
    page.wait_for_selector("#panel #panel-customers")
    assert page.locator("#panel-draft").count() == 0
    watch.assert_clean()
    context.close()
