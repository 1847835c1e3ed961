"""The pages the other browser tests do not visit, in Debian's Chromium through Playwright: the
Act page with its step graph, a dry run drawn on the graph, a publish confirmation, the settings
and upload pages, and the login page. Each is shot at 1440 and 390 px (nothing wider than a
phone at 390), checked with axe-core (no serious or critical violation), and must log no
script error, open no dialog and ask nothing of any other address."""

from __future__ import annotations

from recorrido.web.users import UserStore
from tests.test_web_act import shop_site  # noqa: F401 (a fixture)
from tests.test_web_browser import (  # noqa: F401 (browser is a fixture)
    Watch,
    _accessible,
    _login,
    _shots,
    browser,
    pytestmark,
)
from tests.test_web_pages import PASSWORD


def test_act_pages_are_drawn_and_accessible(shop_site, browser, tmp_path):  # noqa: F811
    base, folder = shop_site
    UserStore(folder).add("admin", PASSWORD, "admin")  # the settings page is an admin's
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    watch = Watch(context, base)
    page = watch.page(context)
    page.goto(base + "/login")
    _shots(page, tmp_path, "login")
    _accessible(page)
    _login(page, base, "admin")

    page.goto(base + "/act")
    graph = page.locator("#automation-1 svg.step-graph")
    assert graph.locator("[data-step=holdout]").get_attribute("data-entered") == "3"
    _shots(page, tmp_path, "act")
    _accessible(page)

    # The dry run from the page's own form, by keyboard: the figures land on the graph.
    page.fill("#from-1", "2024-05-01")
    page.fill("#to-1", "2024-05-01")
    page.locator("#to-1").press("Enter")
    page.wait_for_selector("#dry-run-graph svg")
    drawn = page.locator("#dry-run-graph [data-step=call]")
    assert drawn.get_attribute("data-entered") == "3"
    assert "sent 3" in drawn.text_content()
    _shots(page, tmp_path, "act-dry-run")
    _accessible(page)

    page.goto(base + "/act/nudge.yaml/confirm?action=publish")
    page.wait_for_selector("#act-confirm")
    _shots(page, tmp_path, "act-confirm")
    _accessible(page)

    for name, address, ready in (
        ("settings", "/settings", "h1"),
        ("upload", "/upload", "#upload-send"),
    ):
        page.goto(base + address)
        page.wait_for_selector(ready)
        _shots(page, tmp_path, name)
        _accessible(page)
    for shot in ("login", "act", "act-dry-run", "act-confirm", "settings", "upload"):
        assert (tmp_path / f"{shot}-390.png").exists()
    watch.assert_clean()
    context.close()
