"""Reports: the JSON document follows the schema, HTML escapes article text, spans are marked."""

from __future__ import annotations

import json

import jsonschema

from crosswire import report
from crosswire.records import Article, Claim, Span, Statement, Story
from crosswire.schema import output_schema, stored_schema
from crosswire.store import Store

HOSTILE = 'The mayor said <script>alert("x")</script> the bridge is safe & open.'


def hostile_store(tmp_path) -> Store:
    store = Store(tmp_path / "s.db")
    article = Article(id="a1", text=HOSTILE, outlet="Harbor <Times>", date="2026-03-02")
    store.add_article(article)
    statement = Statement(
        id="s1",
        article_id="a1",
        content=Span.of(HOSTILE, 15, len(HOSTILE) - 1),
        kind="indirect",
        cue=Span.of(HOSTILE, 10, 14),
        cue_stance="neutral",
        speaker=Span.of(HOSTILE, 0, 9),
        speaker_name="The mayor",
    )
    store.save_article_annotations("a1", [statement], [], [], version=1)
    story = Story(
        id="t1", title="Bridge <b>safety</b>", article_ids=["a1"], outlets=["Harbor <Times>"]
    )
    claim = Claim(
        id="c1",
        story_id="t1",
        text="the bridge is safe",
        wordings=[{"article_id": "a1", "outlet": "Harbor <Times>", "statement_id": "s1"}],
        outlets=["Harbor <Times>"],
        independent_sources=1,
    )
    store.replace_cross_article_results([story], [], [statement], [claim], [], {}, {})
    return store


def test_shipped_schema_matches_the_records():
    assert stored_schema() == output_schema(), "regenerate crosswire/schemas/output.schema.json"


def test_json_document_validates_against_the_schema(tmp_path):
    with hostile_store(tmp_path) as store:
        document = json.loads(report.to_json(report.build_document(store)))
    jsonschema.validate(document, stored_schema())
    assert [a["id"] for a in document["articles"]] == ["a1"]
    assert document["statements"][0]["content"]["text"] == HOSTILE[15:-1]


def test_html_report_escapes_article_text_and_titles(tmp_path):
    with hostile_store(tmp_path) as store:
        page = report.to_html(report.build_document(store))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "<b>safety</b>" not in page
    assert "Harbor &lt;Times&gt;" in page


def test_html_report_marks_statement_spans_with_their_offsets(tmp_path):
    with hostile_store(tmp_path) as store:
        page = report.to_html(report.build_document(store))
    assert 'data-span="0:9"' in page  # the speaker
    assert 'class="speaker"' in page
    assert 'id="s-s1"' in page


def test_claim_matrix_marks_outlets_that_omit_a_claim():
    claim = {"id": "c", "outlets": ["A"], "contested": True, "conflicts": [], "wordings": []}
    [row] = report.claim_matrix([claim], ["A", "B"])
    assert row["cells"] == {"A": "contested", "B": "omitted"}


def test_claim_matrix_marks_conflicting_wordings_but_a_denial_only_contests():
    wordings = [
        {"statement_id": "s1", "outlet": "A"},
        {"statement_id": "s2", "outlet": "B"},
        {"statement_id": "s3", "outlet": "C"},
    ]
    numbers = {"kind": "numeric", "statements": ["s1", "s2"], "values": ["91", "90"]}
    denial = {"kind": "denial", "statements": ["s3", "d1"], "values": ["x", "denied x"]}
    claim = {
        "id": "c",
        "outlets": ["A", "B", "C"],
        "contested": True,
        "conflicts": [numbers, denial],
        "wordings": wordings,
    }
    [row] = report.claim_matrix([claim], ["A", "B", "C", "D"])
    assert row["cells"] == {
        "A": "conflicting",
        "B": "conflicting",
        "C": "contested",
        "D": "omitted",
    }


def said(sid: str, stance: str | None, cue: str | None, speaker: str | None) -> dict:
    """A statement record as the report reads it: id, cue stance, cue and speaker name."""
    record = {"id": sid, "cue_stance": stance, "speaker_name": speaker}
    if cue:
        record["cue"] = {"start": 0, "end": len(cue), "text": cue}
    return record


def test_a_claim_that_is_a_denial_is_labelled_with_who_denies_it():
    statements = {
        "d1": said("d1", "denial", "denied", "Ana Varga"),
        "s1": said("s1", "neutral", None, "Ion Petru"),
    }
    denial = {
        "id": "c1",
        "text": "the reports",
        "outlets": ["A"],
        "wordings": [{"statement_id": "d1", "outlet": "A"}],
    }
    plain = {
        "id": "c2",
        "text": "the port closed",
        "outlets": ["A"],
        "wordings": [{"statement_id": "s1", "outlet": "A"}],
    }
    rows = report.claim_matrix([denial, plain], ["A"], statements)
    assert [row["label"] for row in rows] == ["Ana Varga denied: the reports", "the port closed"]


def test_markdown_report_shows_offsets_of_every_statement(tmp_path):
    with hostile_store(tmp_path) as store:
        text = report.to_markdown(report.build_document(store))
    assert f"`[15:{len(HOSTILE) - 1}]`" in text
    assert "The mayor" in text


def test_document_can_be_limited_to_the_stories_of_some_articles(tmp_path):
    with hostile_store(tmp_path) as store:
        assert report.build_document(store, ["other"])["stories"] == []
        assert len(report.build_document(store, ["a1"])["stories"]) == 1


def test_conflicts_are_listed_once_with_both_sides_and_their_spans():
    articles = {
        "a": {"id": "a", "outlet": "Wire"},
        "b": {"id": "b", "outlet": "Radio"},
    }
    span = {"start": 0, "end": 26, "text": "Three workers were injured"}
    statements = {
        "s1": {"id": "s1", "article_id": "a", "kind": "narrator", "content": span},
        "s2": {
            "id": "s2",
            "article_id": "b",
            "kind": "indirect",
            "speaker_name": "Bohdan Lys",
            "content": {"start": 9, "end": 29, "text": "no one had been hurt"},
        },
        "s3": {"id": "s3", "article_id": "b", "kind": "indirect", "content": span},
    }
    conflict = {"kind": "numeric", "statements": ["s1", "s2"]}
    claims = [
        {"id": "c1", "conflicts": [conflict, {"kind": "denial", "statements": ["s1", "s3"]}]},
        {"id": "c2", "conflicts": [{"kind": "numeric", "statements": ["s2", "s1"]}]},
    ]
    (listed,) = report.story_conflicts(claims, statements, articles)
    assert listed["kind"] == "numeric"
    assert [(s["speaker"], s["outlet"]) for s in listed["sides"]] == [
        ("narrator", "Wire"),
        ("Bohdan Lys", "Radio"),
    ]
    assert listed["sides"][1]["span"]["text"] == "no one had been hurt"


def test_loaded_naming_is_shown_beside_how_the_other_outlets_spell_the_name():
    framing = {
        "by_outlet": {
            "Agency": {
                "naming_frames": [
                    {"entity": "Kyiv", "frame": "evaluative", "span": {"text": "the Kiev regime"}},
                    {"entity": "Moscow", "frame": "neutral", "span": {"text": "Moscow"}},
                ]
            },
            "Wire": {"naming_frames": []},
        }
    }
    entities = [{"name": "Kyiv", "spellings_by_outlet": {"Agency": ["Kiev"], "Wire": ["Kyiv"]}}]
    (kyiv,) = report.naming_differences(framing, ["Agency", "Wire"], entities)
    assert kyiv["entity"] == "Kyiv"  # Moscow, named neutrally by all, is left out
    assert kyiv["by_outlet"] == {
        "Agency": {"the Kiev regime": "evaluative"},
        "Wire": {"Kyiv": "neutral"},
    }


def test_a_claim_too_short_to_read_alone_is_labelled_with_its_speaker_and_cue():
    statements = {
        "b1": said("b1", "belief", "considers", "Brevania"),
        "s1": said("s1", "neutral", "said", "Ion Petru"),
        "n1": {**said("n1", None, None, None), "kind": "narrator"},
    }

    def claim(cid, text, sid):
        return {"id": cid, "text": text, "outlets": ["A"], "wordings": [{"statement_id": sid}]}

    rows = report.claim_matrix(
        [
            claim("c1", "its own", "b1"),
            claim("c2", "the port will reopen on Monday", "s1"),
            claim("c3", "mediated by Norvania", "n1"),  # no speaker or cue to add
        ],
        ["A"],
        statements,
    )
    assert [row["label"] for row in rows] == [
        "Brevania considers: its own",
        "the port will reopen on Monday",
        "mediated by Norvania",
    ]
