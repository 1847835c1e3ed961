"""The report's feedback section on a real workspace: per stage counts and measured emotion,
topics with quotes, in Spanish and English; customers' text escaped; nothing without feedback."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from recorrido import Workspace
from recorrido.cli import app
from recorrido.feedback import ingest_feedback
from recorrido.feedback.curve import report_feedback
from recorrido.report.build import report_html
from tests.test_feedback_planted import MAP, planted_files

SCRIPT = "<script>alert('x')</script> & the courier"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("feedback_report")
    events_csv, feedback_csv = planted_files(folder, customers=300)
    (folder / "map.yaml").write_text(MAP)
    with Workspace.init(folder / "ws", language="en") as ws:
        ws.ingest(events_csv)
        ingest_feedback(ws, feedback_csv, journey_map=folder / "map.yaml")
    return folder


def _section(page: str) -> str:
    found = re.search(r'<section class="feedback" id="feedback">(.*?)</section>', page, re.S)
    assert found, "no feedback section"
    return found.group(1)


def test_the_section_shows_counts_emotion_and_topics_in_english(planted, tmp_path):
    output = tmp_path / "report.html"
    args = ["report", str(planted / "map.yaml"), "-w", str(planted / "ws"), "-o", str(output)]
    result = CliRunner().invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    section = _section(output.read_text(encoding="utf-8"))
    with Workspace.open(planted / "ws", read_only=True) as ws:
        curve = report_feedback(ws, planted / "map.yaml")
    deliver = next(s for s in curve["stages"] if s["stage"] == "deliver")
    assert "What customers say" in section and "What they talk about" in section
    row = re.search(
        r"<tr class=\"fb-worse\">\s*<th scope=\"row\">Deliver</th>(.*?)</tr>", section, re.S
    )
    assert row, "the delivery stage is flagged worse than designed"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells[0] == f"{deliver['answers']:,}"
    negative = deliver["shares"]["negative"]["count"]
    assert cells[3].startswith(f"{negative:,} ")
    assert "worse than designed" in cells[4]
    # Courier complaints, the delivery stage's most negative topic, come first, with a quote.
    article = re.search(r"<h4>Deliver</h4>(.*?)</article>", section, re.S).group(1)
    first = re.search(r"<strong>([^<]*)</strong>(.*?)</li>", article, re.S)
    assert "courier" in first.group(1)
    assert "negative" in first.group(2) and 'class="fb-quote"' in first.group(2)


def test_the_section_speaks_spanish_and_escapes_customers_text(planted):
    with Workspace.open(planted / "ws", read_only=True) as ws:
        curve = report_feedback(ws, planted / "map.yaml")
        measured = ws.measure(planted / "map.yaml")
    # A customer's text that is also markup: a quote and a topic name.
    deliver = next(s for s in curve["stages"] if s["stage"] == "deliver")
    for topic in deliver["topics"]:
        topic["quotes"] = [SCRIPT]
        topic["name"] = "<b>courier</b>"
    page = report_html(measured, lang="es", feedback=curve)
    section = _section(page)
    assert "Lo que dicen los clientes" in section and "De qué hablan" in section
    assert "<script>alert" not in page and "<b>courier</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; the courier" in section
    assert "&lt;b&gt;courier&lt;/b&gt;" in section
    assert "opiniones en" in section and "negativas" in section
    # The measured curve comes from the same figures.
    assert page.count('class="emo-dot measured"') == sum(
        1 for s in curve["stages"] if s["measured_emotion"]
    )


def test_no_feedback_no_section(tmp_path):
    events_csv, _ = planted_files(tmp_path, customers=50)
    (tmp_path / "map.yaml").write_text(MAP)
    with Workspace.init(tmp_path / "ws", language="en") as ws:
        ws.ingest(events_csv)
        assert report_feedback(ws, tmp_path / "map.yaml") is None
        page = report_html(ws.measure(tmp_path / "map.yaml"), lang="en", feedback=None)
    assert 'id="feedback"' not in page
    assert "this workspace holds no customer feedback" in page
