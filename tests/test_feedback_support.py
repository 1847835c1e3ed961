"""Real customer-support conversations (Twitter, Oct–Dec 2017; ../shared/data/
twcs_customer_support_eventlogs): the agents' and customers' tweets become events, the
customers' tweets become feedback placed at stages by time, then their emotion curve and topics."""

from __future__ import annotations

import csv
import json

import pytest
from defusedxml import ElementTree

from recorrido import Workspace
from recorrido.feedback import emotion_curve, ingest_feedback

FILES = ("twcs-SpotifyCares-56.xes", "twcs-AppleSupport-116.xes")


def read_xes(path):
    """``(conversation, tweet_id, time, author, text, company, activity)`` per XES event."""
    root = ElementTree.parse(path).getroot()
    for trace in root.iter("trace"):
        case = next(a.get("value") for a in trace if a.get("key") == "concept:name")
        for event in trace.iter("event"):
            values = {a.get("key"): a.get("value") for a in event}
            yield (
                case,
                values["tweet_id"],
                values["time:timestamp"],
                values["org:resource"],
                values["text"],
                values["company"],
                values["concept:name"],
            )


@pytest.fixture(scope="module")
def support(tmp_path_factory, shared_data_module):
    folder = tmp_path_factory.mktemp("support")
    rows = [
        r
        for name in FILES
        for r in read_xes(shared_data_module / "twcs_customer_support_eventlogs" / name)
    ]
    agent_actions = sorted({r[6] for r in rows if r[3] == r[5]})
    customer_topics = sorted({r[6] for r in rows if r[3] != r[5]})
    with (folder / "events.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "customer_id", "timestamp", "event", "channel"])
        for i, r in enumerate(rows):
            writer.writerow([f"{r[1]}-{i}", f"conv-{r[0]}", r[2] + "Z", r[6], "twitter"])
    tweets = {}
    for r in rows:
        if r[3] != r[5]:  # the customer's own words, once per tweet
            tweets[r[1]] = (r[1], f"conv-{r[0]}", r[2] + "Z", r[4], r[5])
    with (folder / "feedback.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet_id", "customer_id", "timestamp", "text", "source"])
        writer.writerows(tweets.values())
    journey = {
        "version": 1,
        "name": "Support on Twitter",
        "language": "en",
        "stages": [
            {
                "id": "ask",
                "name": "Ask for help",
                "emotion": {"score": -1},
                "touchpoints": [
                    {
                        "id": "customer_tweet",
                        "name": "Customer tweet",
                        "match": {"event": customer_topics},
                    }
                ],
            },
            {
                "id": "answer",
                "name": "Agent answers",
                "emotion": {"score": 1},
                "touchpoints": [
                    {"id": "agent_tweet", "name": "Agent tweet", "match": {"event": agent_actions}}
                ],
            },
        ],
    }
    (folder / "map.yaml").write_text(json.dumps(journey))  # JSON is YAML
    with Workspace.init(folder / "ws", language="en") as ws:
        ws.ingest(folder / "events.csv")
        report = ingest_feedback(ws, folder / "feedback.csv", journey_map=folder / "map.yaml")
    return folder, report, len(tweets)


@pytest.fixture(scope="module")
def shared_data_module():
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA


def test_customer_tweets_are_tied_to_customers_and_stages(support):
    folder, report, tweets = support
    assert report.ingested == tweets and report.quarantined == 0
    # Each customer tweet is preceded (or accompanied) by its own event: always placed.
    assert report.stage_inferred == tweets and report.stage_unplaced == 0
    assert report.sentiment["en"]["method"] == "lexicon"  # the tweets carry no labels
    with Workspace.open(folder / "ws", read_only=True) as ws:
        rows = ws.con.table("feedback").to_pandas()
    assert set(rows.stage) == {"ask"}
    assert rows.customer_id.str.startswith("conv-").all()


def test_their_emotion_curve_and_topics(support):
    folder, _, tweets = support
    with Workspace.open(folder / "ws", read_only=True) as ws:
        curve = emotion_curve(ws, folder / "map.yaml", period="month").to_dict()
        texts = set(ws.con.table("feedback").to_pandas().text)
    ask = curve["stages"][0]
    assert ask["answers"] == tweets and ask["nps"] is None
    shares = ask["shares"]
    assert sum(shares[k]["count"] for k in shares) == tweets
    for value in shares.values():
        assert value["low"] <= value["share"] <= value["high"]
    assert ask["topics"], "support tweets have topics"
    for topic in ask["topics"]:
        assert all(quote in texts or quote.endswith("…") for quote in topic["quotes"])
        assert topic["words"][:3] == topic["name"].split(" · ")
    assert curve["stages"][1]["answers"] == 0
    months = {b["value"] for b in curve["breakdowns"]["period"]}
    assert months <= {"2017-10-01", "2017-11-01", "2017-12-01"} and len(months) >= 2
