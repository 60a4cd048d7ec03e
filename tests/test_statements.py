"""Who said what: statement extraction on the seed articles and on one-paragraph hard cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswire.evaluate.statements import GoldStatement, read_brat_annotations, score_statements
from crosswire.records import Article, Span
from crosswire.statements import (
    STATEMENT_EXTRACTORS,
    extract_statements,
    find_quotes,
    statement_extractor,
)


def statements_of(nlp, text: str, article_id: str = "a1"):
    article = Article(id=article_id, text=text)
    return extract_statements(nlp(text), article)


@pytest.fixture(scope="module")
def seeds(nlp, seed_articles):
    result = {}
    for article in seed_articles:
        name = Path(article.source_path).name
        result[name] = (article.text, extract_statements(nlp(article.text), article))
    return result


def by_speaker(statements, name):
    return [s for s in statements if s.speaker_name == name]


def one_with(statements, words: str):
    found = [s for s in statements if words in s.content.text]
    assert found, f"no statement contains {words!r}: {[s.content.text for s in statements]}"
    return found[0]


# ---------------------------------------------------------------- seeds


def test_every_span_of_every_seed_statement_matches_the_article_text(seeds):
    for text, statements in seeds.values():
        assert statements
        assert len({s.id for s in statements}) == len(statements)
        assert not any(
            "residence" in s.content.text and s.cue.text.startswith("attack") for s in statements
        )
        for statement in statements:
            for span in (
                statement.content,
                statement.cue,
                statement.speaker,
                statement.role,
                statement.channel,
                statement.date,
                statement.sentence,
            ):
                if span is not None:
                    assert text[span.start : span.end] == span.text


def test_the_spokeswomans_quotes_include_the_added_one_and_in_her_words(seeds):
    text, statements = seeds["000_1c2229f5ac7b7da5.txt"]
    hers = by_speaker(statements, "Maria Zakharova")
    added = one_with(hers, "previous US administrations")
    assert added.cue.text == "added" and added.kind == "direct"
    assert "Western Europe" in added.content.text  # the three-sentence quote is one statement
    words = one_with(hers, "the Trump administration")
    assert words.cue.text == "in her words" and words.kind == "indirect"
    [fragment] = [s for s in hers if s.nested_in == words.id]
    assert fragment.kind == "partial"
    assert fragment.content.text == "has embarked on this course and is pursuing it on many tracks."
    first = one_with(hers, "absolutely unprecedented")
    assert first.role.text == "Russian Foreign Ministry Spokeswoman"
    interview = one_with(hers, "This is an unprecedented attack")
    assert interview.channel.text == "in an interview with the Soloviov Live television channel"


def test_the_foreign_ministers_drone_statement_is_found_in_both_articles(seeds):
    for _text, statements in seeds.values():
        drones = one_with(statements, "91 long-range")
        assert drones.speaker_name == "Sergey Lavrov"
        assert drones.role.text == "Russian Foreign Minister"


def test_told_journalists_is_one_cue_with_its_date(seeds):
    _, statements = seeds["000_1c2229f5ac7b7da5.txt"]
    drones = one_with(statements, "91 long-range")
    assert drones.cue.text == "told journalists"
    assert drones.date.text == "earlier in the day"


def test_the_aides_remarks_include_a_distancing_claim_and_went_on_to_say(seeds):
    _, statements = seeds["003_ad75043554543466.txt"]
    his = by_speaker(statements, "Yuri Ushakov")
    claim = one_with(his, "practically immediately after")
    assert claim.cue_stance == "distancing" and claim.cue.text == "claimed"
    went_on = one_with(his, "agreed to continue dialogue")
    assert went_on.cue.text == "went on to say"
    remarks = one_with(his, "held another phone call")
    assert remarks.channel.text == "In remarks to journalists"
    assert one_with(his, "will be revised").kind == "direct"


def test_the_presidents_words_to_the_other_president_are_nested_in_the_aides(seeds):
    _, statements = seeds["003_ad75043554543466.txt"]
    outer = [s for s in statements if s.speaker is not None and s.speaker.text == "his aide"][0]
    assert outer.speaker_name == "Yuri Ushakov"
    assert outer.date.text == "on Monday"
    inner = [s for s in statements if s.nested_in == outer.id]
    assert inner and inner[0].speaker_name == "Vladimir Putin"
    assert "will not go unanswered" in inner[0].content.text


def test_the_denial_has_the_denial_stance(seeds):
    _, statements = seeds["003_ad75043554543466.txt"]
    denial = [s for s in statements if s.cue is not None and s.cue.text == "denied"][0]
    assert denial.speaker_name == "Volodymyr Zelenskyy"
    assert denial.cue_stance == "denial"
    assert denial.channel.text.startswith("in a statement on")
    later = one_with(statements, "justify additional attacks")
    assert later.speaker_name == "Volodymyr Zelenskyy"


def test_the_russian_side_speaks_as_an_organisation(seeds):
    _, statements = seeds["000_1c2229f5ac7b7da5.txt"]
    side = [s for s in statements if s.speaker is not None and s.speaker.text == "the Russian side"]
    assert side and side[0].speaker_type == "ORG"
    stressed = one_with(statements, "the Russian side intends")
    assert stressed.speaker_name == "Vladimir Putin" and stressed.cue_stance == "emphatic"


# ---------------------------------------------------------------- hard cases, one paragraph each


def test_said_that_gives_an_indirect_statement_with_a_neutral_cue(nlp):
    [statement] = statements_of(nlp, "Mayor Tomas Brill said that the bridge would reopen in May.")
    assert statement.kind == "indirect" and statement.cue_stance == "neutral"
    assert statement.content.text == "that the bridge would reopen in May"
    assert statement.speaker_name == "Tomas Brill" and statement.role.text == "Mayor"


def test_a_quote_then_she_said_goes_to_the_woman_named_before(nlp):
    text = (
        "Harbour Minister Ilse Varga met the dock workers on Tuesday.\n\n"
        '"We will not close the port," she said.'
    )
    [statement] = statements_of(nlp, text)
    assert statement.kind == "direct"
    assert statement.content.text == "We will not close the port"
    assert statement.speaker.text == "she" and statement.speaker_name == "Ilse Varga"


def test_pronoun_gender_from_a_title_outweighs_recency(nlp):
    text = (
        "Spokeswoman Dana Kell spoke after Mr. Oren Fisk left the hall. "
        "She said the talks would resume next week."
    )
    statement = one_with(statements_of(nlp, text), "talks would resume")
    assert statement.speaker_name == "Dana Kell"


def test_a_quote_over_two_paragraphs_is_one_statement(nlp):
    text = (
        "Union leader Marta Oyelaran said: \u201cWe have waited long enough for a fair offer.\n\n"
        "\u201cThe strike will go on until the company listens to us.\u201d"
    )
    statements = statements_of(nlp, text)
    assert len(statements) == 1
    assert "waited long enough" in statements[0].content.text
    assert "until the company listens" in statements[0].content.text


def test_a_quote_continued_after_the_attribution_keeps_the_speaker(nlp):
    text = (
        "\u201cThe harbour is safe,\u201d Captain Ren Sato told reporters. "
        "\u201cWe checked every ship twice before the storm arrived.\u201d"
    )
    statements = statements_of(nlp, text)
    assert {s.speaker_name for s in statements} == {"Ren Sato"}
    assert one_with(statements, "checked every ship").kind == "direct"
    assert one_with(statements, "The harbour is safe").cue.text == "told reporters"


def test_a_quote_whose_speaker_follows_in_a_later_sentence_gets_that_speaker(nlp):
    text = (
        "\u201cNobody expected the river to rise so fast. The dams held for two days. "
        "Then the rain came back,\u201d the engineer Lio Marsh added."
    )
    [statement] = statements_of(nlp, text)
    assert statement.content.text.startswith("Nobody expected")
    assert statement.content.text.endswith("Then the rain came back")
    assert statement.speaker_name == "Lio Marsh"


def test_unbalanced_quotes_do_not_crash_and_end_with_their_paragraph(nlp):
    text = (
        'Councillor Ama Doe said: "The budget is a disgrace.\n\n'
        "The vote is set for Friday, officials said."
    )
    statements = statements_of(nlp, text)
    quote = one_with(statements, "budget is a disgrace")
    assert "Friday" not in quote.content.text


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("\u201c", "\u201d"),
        ("\u00ab", "\u00bb"),
        ("\u201e", "\u201c"),
        ('"', '"'),
        ("\u2018", "\u2019"),
    ],
)
def test_straight_curly_angle_and_low_quotation_marks_are_paired(opening, closing):
    text = f"She said {opening}the plan is sound and ready{closing} on Monday."
    [quote] = find_quotes(text)
    assert text[quote.start : quote.end] == "the plan is sound and ready"


def test_apostrophes_are_not_quotation_marks():
    text = "The mayor\u2019s office said the city\u2019s budget was ready."
    assert find_quotes(text) == []


def test_a_title_before_a_name_becomes_the_role(nlp):
    text = "Norvian Foreign Minister Alena Kask said the border would stay open."
    [statement] = statements_of(nlp, text)
    assert statement.speaker_name == "Alena Kask"
    assert statement.role.text == "Norvian Foreign Minister"
    assert statement.speaker.text == "Norvian Foreign Minister Alena Kask"


def test_a_surname_resolves_to_the_full_name_used_earlier(nlp):
    text = (
        "Senator Paul Ostrander spoke in the chamber on Monday. Ostrander said the bill was dead."
    )
    statement = one_with(statements_of(nlp, text), "bill was dead")
    assert statement.speaker.text == "Ostrander"
    assert statement.speaker_name == "Paul Ostrander"


def test_a_description_resolves_to_the_person_introduced_with_that_title(nlp):
    text = (
        "Norvian President Karel Voss arrived in the capital on Sunday. "
        "The Norvian president said the treaty was fair."
    )
    statement = one_with(statements_of(nlp, text), "treaty was fair")
    assert statement.speaker.text == "The Norvian president"
    assert statement.speaker_name == "Karel Voss"


def test_a_ministry_as_speaker_is_an_organisation(nlp):
    text = "The ministry said the new rules would take effect in June."
    [statement] = statements_of(nlp, text)
    assert statement.speaker_type == "ORG"


def test_according_to_attributes_the_rest_of_the_sentence(nlp):
    text = "The factory will close next year, according to the company's chief executive."
    [statement] = statements_of(nlp, text)
    assert statement.cue.text == "according to"
    assert statement.content.text == "The factory will close next year"
    assert "chief executive" in statement.speaker.text


def test_claimed_is_distancing_and_denied_is_a_denial(nlp):
    text = (
        "The opposition claimed that the election was rigged. "
        "Election chief Noor Haddad denied the allegations."
    )
    statements = statements_of(nlp, text)
    assert one_with(statements, "election was rigged").cue_stance == "distancing"
    denial = one_with(statements, "the allegations")
    assert denial.cue_stance == "denial" and denial.speaker_name == "Noor Haddad"


def test_stress_is_emphatic_and_believe_is_a_belief(nlp):
    text = "Coach Ida Moen stressed that the team was ready. She believes the final will be close."
    statements = statements_of(nlp, text)
    assert one_with(statements, "team was ready").cue_stance == "emphatic"
    belief = one_with(statements, "final will be close")
    assert belief.kind == "belief" and belief.speaker_name == "Ida Moen"


def test_a_poll_finding_is_a_belief_kind_statement(nlp):
    [statement] = statements_of(nlp, "A new poll found that most voters back the plan.")
    assert statement.kind == "belief" and statement.cue_stance == "finding"


def test_a_quoted_fragment_inside_reported_speech_is_partial(nlp):
    text = "Governor Lena Hart said the flood plan was \u201ca total failure\u201d and must change."
    reported, fragment = statements_of(nlp, text)
    assert reported.kind == "indirect" and "must change" in reported.content.text
    assert fragment.kind == "partial" and fragment.content.text == "a total failure"
    assert fragment.nested_in == reported.id and fragment.speaker_name == "Lena Hart"


def test_said_that_someone_told_someone_nests_the_inner_statement(nlp):
    text = "Ana Reyes said the minister told the mayor that the school would stay open."
    statements = statements_of(nlp, text)
    outer = [s for s in statements if s.speaker_name == "Ana Reyes"][0]
    inner = [s for s in statements if s.cue.text == "told"][0]
    assert inner.nested_in == outer.id
    assert outer.nested_in is None


def test_channel_and_date_come_from_the_attribution_clause(nlp):
    text = (
        "Mayor Tomas Brill said in an interview with the Vesta radio channel on Monday "
        "that the bridge would reopen in May."
    )
    [statement] = statements_of(nlp, text)
    assert statement.channel.text == "in an interview with the Vesta radio channel"
    assert statement.date.text == "on Monday"


def test_statement_ids_are_stable_and_follow_the_content_offsets(nlp):
    text = "Mayor Tomas Brill said that the bridge would reopen in May."
    first = statements_of(nlp, text)[0]
    second = statements_of(nlp, text)[0]
    assert first.id == second.id and first.id.startswith("s")


def test_the_rules_are_registered_by_name_and_unknown_names_are_refused():
    assert STATEMENT_EXTRACTORS["rules"] is extract_statements
    assert statement_extractor("rules") is extract_statements
    with pytest.raises(ValueError, match="unknown statement extractor"):
        statement_extractor("oracle")


# ---------------------------------------------------------------- scoring


def _statement(text: str, start: int, end: int, speaker: str):
    from crosswire.records import Statement

    return Statement(
        id=f"s{start}",
        article_id="a1",
        content=Span.of(text, start, end),
        kind="indirect",
        speaker_name=speaker,
        speaker_type="PERSON",
    )


def test_scoring_counts_half_overlapping_content_as_found_and_checks_the_speaker():
    text = "Ana said the school would stay open all year. Bo said nothing at all happened today."
    ana = text.index("the school")
    bo = text.index("nothing")
    gold = [
        GoldStatement("g1", "a1", [Span.of(text, ana, text.index("."))], speaker_names={"Ana"}),
        GoldStatement("g2", "a1", [Span.of(text, bo, len(text) - 1)], speaker_names={"Bo"}),
    ]
    predicted = [
        _statement(text, ana, text.index(" open"), "Ana"),
        _statement(text, bo, bo + len("nothing"), "Ana"),
    ]
    scores = score_statements(predicted, gold)
    assert scores["matched"] == 1  # "the school would stay": 4 of 7 gold words; "nothing": 1 of 5
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5
    assert scores["speaker_accuracy"] == 1.0
    assert scores["misses_by_kind"] == {"unknown": 1}


def test_error_listing_names_missed_boundary_and_spurious_attributions_with_offsets():
    from crosswire.evaluate.statements import attribution_errors

    text = "Ana said the school would stay open all year. Bo said nothing at all happened today."
    ana, bo = text.index("the school"), text.index("nothing")
    gold = [
        GoldStatement("g1", "a1", [Span.of(text, ana, text.index("."))], cue_text="said"),
        GoldStatement("g2", "a1", [Span.of(text, bo, len(text) - 1)], cue_text="said", kind="x"),
    ]
    found = _statement(text, ana, text.index(" all year"), "Ana")  # 6 of 7 words: matched
    too_short = _statement(text, bo, bo + len("nothing"), "Bo")  # 1 of 5 words
    elsewhere = _statement(text, 0, len("Ana"), "Ana")  # overlaps no gold content
    lines = attribution_errors([found, too_short, elsewhere], gold, {"a1": "school.txt"})
    assert lines == [  # in article order; at one offset, false before missed
        "false   school.txt:0-3 [indirect, spurious] cue '-' 'Ana'",
        f"false   school.txt:{bo}-{bo + 7} [indirect, boundary] cue '-' 'nothing'",
        f"missed  school.txt:{bo}-{len(text) - 1} [x] cue 'said' 'nothing at all happened today'",
    ]
    # the lines are the errors behind the scores: nothing listed when everything matches
    assert attribution_errors([found], gold[:1], {}) == []


def test_brat_attributions_are_read_with_fragments_and_sources():
    text = "Bo Lin says the plan works. Critics disagree."
    ann = (
        "T1\tSource 0 6\tBo Lin\nT2\tCue 7 11\tsays\nT3\tContent 12 20;21 26\tthe plan works\n"
        "T4\tAttribution 7 11\tsays\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    )
    [gold] = read_brat_annotations(text, ann, "a1")
    assert [s.text for s in gold.content] == ["the plan", "works"]
    assert gold.speaker[0].text == "Bo Lin" and gold.kind == "indirect"


def test_on_univocal_gold_an_interrupted_quote_is_scored_as_one_attribution(nlp):
    text = '"The port is open," Captain Ren Sato said. "Ships are sailing again today."'
    statements = statements_of(nlp, text)
    assert len(statements) == 2 and len({s.speaker_name for s in statements}) == 1
    first, second = text.index("The port"), text.index("Ships")
    gold = GoldStatement(
        "g1",
        "a1",
        [Span.of(text, first, text.index(',"')), Span.of(text, second, len(text) - 2)],
        speaker=[Span.of(text, text.index("Captain"), text.index(" said"))],
    )
    scores = score_statements(statements, [gold], univocal=True)
    assert scores["predicted"] == 1 and scores["matched"] == 1
    assert scores["speaker_accuracy"] == 1.0


def test_random_quotation_marks_never_break_extraction_or_spans(nlp):
    import random

    marks = ['"', "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "'"]
    words = "the minister said that talks would resume he added we will not stop".split()
    rng = random.Random(11)
    for _ in range(25):
        pieces = []
        for _ in range(40):
            pieces.append(rng.choice(words))
            if rng.random() < 0.2:
                pieces.append(rng.choice(marks))
            if rng.random() < 0.05:
                pieces.append(".\n\n")
        text = " ".join(pieces)
        for statement in statements_of(nlp, text):
            for span in (statement.content, statement.cue, statement.speaker, statement.sentence):
                if span is not None:
                    assert text[span.start : span.end] == span.text


def test_reportedly_is_a_statement_without_a_speaker(nlp):
    text = "The two envoys reportedly met in secret last week."
    [statement] = statements_of(nlp, text)
    assert statement.cue.text == "reportedly" and statement.cue_stance == "hedged"
    assert statement.speaker is None and statement.speaker_name is None
    assert "met in secret" in statement.content.text


def test_a_quoted_paragraph_takes_the_speaker_of_the_quote_that_follows(nlp):
    text = (
        "The ferry company met the union on Friday.\n\n"
        "\u201cWe cannot run boats that nobody will insure. It is that simple.\u201d\n\n"
        "\u201cThe route will come back when the cover does,\u201d chief executive Ola Brand said."
    )
    statements = statements_of(nlp, text)
    first = one_with(statements, "nobody will insure")
    assert first.speaker_name == "Ola Brand" and first.kind == "direct"


# ---------------------------------------------------------------- PolNeAR recall rules


def test_typewriter_double_quotes_are_quotation_marks(nlp):
    text = "''We will rebuild the harbour before winter,'' said Mayor Ilsa Brandt."
    assert [text[q.start : q.end] for q in find_quotes(text)] == [
        "We will rebuild the harbour before winter,"
    ]
    quote = one_with(statements_of(nlp, text), "rebuild the harbour")
    assert quote.kind == "direct"
    assert quote.speaker_name == "Ilsa Brandt"


def test_a_second_that_clause_stays_in_the_same_report(nlp):
    text = "Mayor Ilsa Brandt said she welcomed the audit and that she wanted to move forward."
    statement = one_with(statements_of(nlp, text), "welcomed the audit")
    assert statement.content.text.endswith("that she wanted to move forward")


def test_an_encouraging_verb_reports_its_object_and_to_clause(nlp):
    text = "Senator Tomas Vell encouraged local farmers to join the new cooperative."
    statement = one_with(statements_of(nlp, text), "local farmers")
    assert statement.cue.text == "encouraged"
    assert statement.content.text == "local farmers to join the new cooperative"


def test_a_sourceless_impression_is_reported_without_a_speaker(nlp):
    text = "The harbour plan seems increasingly likely to pass this spring."
    statement = one_with(statements_of(nlp, text), "likely to pass")
    assert statement.cue.text == "seems"
    assert statement.speaker is None
    assert statement.content.text.startswith("The harbour plan")


def test_a_sourceless_passive_report_starts_at_its_subject(nlp):
    text = "After weeks of quarrels, the harbour board is seen as the likely winner of the vote."
    statement = one_with(statements_of(nlp, text), "likely winner")
    assert statement.speaker is None
    assert statement.content.text.startswith("the harbour board")


def test_a_cue_noun_with_no_owner_is_a_sourceless_report(nlp):
    text = "The council meeting was dominated by questions about the harbour budget."
    statement = one_with(statements_of(nlp, text), "the harbour budget")
    assert statement.cue.text == "questions about"
    assert statement.speaker is None


def test_a_cue_noun_object_takes_the_verbs_subject_as_speaker(nlp):
    text = "Mayor Ilsa Brandt voiced strong support for the harbour budget."
    statement = one_with(statements_of(nlp, text), "the harbour budget")
    assert statement.speaker_name == "Ilsa Brandt"


def test_a_quote_ending_a_paragraph_is_not_claimed_by_the_next_paragraphs_verb(nlp):
    text = (
        '"The ferries will run all winter," said Captain Odile Marsh. '
        '"Nobody on the island will be cut off."\n\nPeter Lund reported from the harbour.'
    )
    statement = one_with(statements_of(nlp, text), "Nobody on the island")
    assert statement.speaker_name == "Odile Marsh"


def test_a_quote_after_a_long_attribution_aside_continues_the_same_speaker(nlp):
    text = (
        '"We make mistakes along the way," Marsh said in Lowport, referring to a harbour '
        "meeting - one of her busiest events this year - where she declined to criticize anyone. "
        '"If I had to do that over again, I would have spoken up."'
    )
    statements = statements_of(nlp, text)
    first = one_with(statements, "We make mistakes")
    statement = one_with(statements, "do that over again")
    assert (statement.speaker, statement.cue) == (first.speaker, first.cue)
    assert statement.cue.text == "said"


def test_a_narrators_trailing_aside_is_cut_from_reported_speech(nlp):
    text = (
        "Mayor Ilsa Brandt said she backs the harbour plan, which the council rejected last year. "
        "She opposed the ferry levy \u2014 one of the board's biggest goals this decade."
    )
    statements = statements_of(nlp, text)
    assert one_with(statements, "backs the harbour").content.text == "she backs the harbour plan"
    assert one_with(statements, "ferry levy").content.text == "the ferry levy"


def test_a_writers_despite_phrase_is_cut_from_reported_speech(nlp):
    text = "Mayor Ilsa Brandt said the ferry levy would pass, despite strong opposition from the board."
    statement = one_with(statements_of(nlp, text), "the ferry levy")
    assert statement.content.text == "the ferry levy would pass"


def test_a_participle_saying_more_ends_the_first_reported_clause(nlp):
    text = "Mayor Ilsa Brandt said she would vote against the harbour bill, saying it was rushed."
    statements = statements_of(nlp, text)
    assert one_with(statements, "she would vote").content.text == (
        "she would vote against the harbour bill"
    )
    saying = one_with(statements, "it was rushed")
    assert saying.cue.text == "saying" and saying.speaker_name == "Ilsa Brandt"


def test_a_relative_clause_cue_reports_what_follows_it(nlp):
    text = (
        "The ferry list, which the harbour board says includes two million riders, "
        "is another worry."
    )
    statement = one_with(statements_of(nlp, text), "two million riders")
    assert statement.content.text == "includes two million riders"
    assert statement.cue.text == "says" and statement.speaker.text == "the harbour board"


def test_a_cue_with_a_misparsed_clause_before_it_reports_the_clause_after_it(nlp):
    text = (
        "Inside the hall - which looks likes a barn except for the stage - Adel Varo said he "
        "and many of the fishermen are trying to collect money for the families."
    )
    statement = one_with(statements_of(nlp, text), "trying to collect")
    assert statement.content.text.startswith("he and many of the fishermen")
    assert statement.cue.text == "said" and statement.speaker.text == "Adel Varo"


def test_as_a_speaker_noted_introduces_the_main_clause_as_reported(nlp):
    text = "As the mayor noted on Monday, the ferry levy has never been popular."
    statement = one_with(statements_of(nlp, text), "ferry levy")
    assert statement.content.text == "the ferry levy has never been popular"
    assert statement.cue.text == "noted" and statement.speaker.text == "the mayor"


def test_commas_inside_what_was_said_do_not_end_it(nlp):
    texts = {
        "Mayor Ilsa Brandt said the levy, which the board opposed, would pass.": (
            "the levy, which the board opposed, would pass"
        ),
        "Mayor Ilsa Brandt said the ferries, the buses and the trams would run on time.": (
            "the ferries, the buses and the trams would run on time"
        ),
    }
    for text, content in texts.items():
        assert one_with(statements_of(nlp, text), content).content.text == content


def _attribution_with(nlp, text: str, words: str):
    from crosswire.statements import find_rule_attributions, load_cue_lexicon

    doc, quotes = nlp(text), find_quotes(text)
    found = find_rule_attributions(doc, quotes, load_cue_lexicon())
    attribution = next(a for a in found if words in text[a.content[0] : a.content[1]])
    return doc, quotes, attribution


def test_a_cue_inside_its_content_offers_no_cut_right_after_the_cue(nlp):
    from crosswire.statements import content_cut_points

    text = "The harbour board seems to have lost patience with the ferry company."
    doc, quotes, attribution = _attribution_with(nlp, text, "lost patience")
    assert "seems" in text[attribution.content[0] : attribution.content[1]]
    points = content_cut_points(doc, attribution, quotes)
    assert all(point.idx > text.index("lost") for point in points)


def test_a_cue_inside_its_content_offers_cuts_after_what_it_governs(nlp):
    from crosswire.statements import content_cut_points

    text = "The ferry fares seemed to rise sharply after the board met in March."
    doc, quotes, attribution = _attribution_with(nlp, text, "to rise")
    assert "seemed" in text[attribution.content[0] : attribution.content[1]]
    points = [p.text for p in content_cut_points(doc, attribution, quotes)]
    assert "after" in points and "to" not in points


def test_content_cut_points_are_marks_and_trailing_phrases_outside_quotations(nlp):
    from crosswire.statements import content_cut_points

    text = (
        'Mayor Ilsa Brandt said the levy was "fair, modest and overdue", citing a study '
        "by the port, despite the council's doubts."
    )
    doc, quotes, attribution = _attribution_with(nlp, text, "the levy")
    points = [(p.text, p.idx) for p in content_cut_points(doc, attribution, quotes)]
    assert (",", text.index(", citing")) in points
    assert ("despite", text.index("despite")) in points or (",", text.index(", despite")) in points
    assert (",", text.index(", modest")) not in points


def test_a_voiced_object_is_reported(nlp):
    text = "Mayor Ansel Roy voiced his doubts about the ferry timetable."
    statement = one_with(statements_of(nlp, text), "doubts about the ferry")
    assert statement.cue.text == "voiced"
    assert statement.speaker_name == "Ansel Roy"


def test_a_participle_cue_takes_the_noun_it_modifies_as_speaker(nlp):
    text = "Mayor Ilsa Brandt mocked those backing the new ferry levy."
    statement = one_with(statements_of(nlp, text), "new ferry levy")
    backing = [s for s in statements_of(nlp, text) if s.cue.text == "backing"]
    assert backing and backing[0].speaker.text == "those"
    assert statement.cue.text in {"mocked", "backing"}


def test_a_relative_that_speaks_for_its_antecedent(nlp):
    text = "The ferry company that endorsed Mayor Ilsa Brandt has raised its fares."
    statement = one_with(statements_of(nlp, text), "Ilsa Brandt")
    assert statement.cue.text == "endorsed"
    assert statement.speaker_name == "ferry company"


def test_a_document_can_be_the_source_of_an_act(nlp):
    text = "A federal lawsuit challenging the harbour levy was filed on Monday."
    statement = one_with(statements_of(nlp, text), "the harbour levy")
    assert statement.cue.text == "challenging"
    assert statement.speaker.text == "A federal lawsuit"


def test_a_document_can_report_a_clause_with_an_unlisted_verb(nlp):
    text = "The harbour audit established that the ferries lose money every winter."
    statement = one_with(statements_of(nlp, text), "the ferries lose money")
    assert statement.speaker.text == "The harbour audit"


# ---------------------------------------------------------------- learned scorers


def _rules_and_chosen(nlp, text):
    from crosswire.statements import (
        choose_attributions,
        find_rule_attributions,
        load_attribution_scorers,
        load_cue_lexicon,
    )

    doc, quotes, lexicon = nlp(text), find_quotes(text), load_cue_lexicon()
    found = find_rule_attributions(doc, quotes, lexicon)
    chosen = choose_attributions(doc, quotes, lexicon, found, load_attribution_scorers())
    return doc, quotes, lexicon, found, chosen


def test_a_verb_missing_from_the_cue_lexicon_is_found_by_the_scorer(nlp):
    text = "Anna Vey cast the levy as a betrayal of the fishing towns."
    _, _, _, found, _ = _rules_and_chosen(nlp, text)
    assert found == []
    statement = one_with(statements_of(nlp, text), "the levy as a betrayal")
    assert statement.cue.text == "cast"
    assert statement.speaker_name == "Anna Vey"


def test_a_noun_cue_missing_from_the_lexicon_is_found_by_the_scorer(nlp):
    text = "Mayor Tomas Ridel read a prepared statement about the closure of the docks."
    statement = one_with(statements_of(nlp, text), "the closure of the docks")
    assert statement.cue.text == "statement about"


def test_without_scorers_the_rules_decide_alone(nlp):
    from crosswire.statements import choose_attributions

    text = "Asked who would pay for the new terminal, the mayor named the port authority."
    doc, quotes, lexicon, found, chosen = _rules_and_chosen(nlp, text)
    assert len(chosen) > len(found)
    assert choose_attributions(doc, quotes, lexicon, found, {}) is found


def test_scorers_given_to_extraction_replace_the_weights_file(nlp):
    text = "Anna Vey cast the levy as a betrayal of the fishing towns."
    article = Article(id="a1", text=text)
    doc = nlp(text)
    assert one_with(extract_statements(doc, article), "the levy as a betrayal")
    assert extract_statements(doc, article, scorers={}) == []


def test_held_out_scores_come_from_the_given_docs_and_scorers(nlp):
    from crosswire.evaluate.statements import evaluate_items

    text = "Councillor Anna Vey cast the levy as a betrayal of the fishing towns."
    gold = _brat_gold(text, "Councillor Anna Vey", "cast", "the levy", len(text) - 1)
    items = [(Article(id="a1", text=text), gold)]
    docs = [nlp(text)]
    learned, _ = evaluate_items(items, univocal=True, docs=docs)
    rules_alone, predicted = evaluate_items(items, univocal=True, docs=docs, scorers={})
    assert learned["matched"] == 1
    assert rules_alone["matched"] == 0 and predicted == []


def test_scored_candidates_never_overlap_what_is_kept(nlp):
    text = (
        "Ridel read a prepared statement about the closure of the docks, and Vey cast the "
        "levy as a betrayal of the fishing towns, while Brandt said the port would reopen."
    )
    *_, chosen = _rules_and_chosen(nlp, text)
    for a in chosen:
        for b in chosen:
            if a is not b:
                assert not (a.content[0] < b.content[1] and b.content[0] < a.content[1])


def test_the_scorer_file_holds_weights_for_words_and_labels_not_article_text():
    import json

    from crosswire.statements import SCORER_FILE, load_attribution_scorers

    data = json.loads(SCORER_FILE.read_text(encoding="utf-8"))
    assert "PolNeAR train" in data["source"]
    scorers = load_attribution_scorers()
    assert set(scorers) == {"rules", "candidates", "boundary"}
    for scorer in scorers.values():
        assert 0 < scorer.threshold < 1
        assert all(len(feature) <= 100 and "\n" not in feature for feature in scorer.weights)


def _brat_gold(text: str, speaker: str, cue_word: str, content: str, end: int) -> list:
    """Gold for one attribution of ``text``, as PolNeAR's brat files would give it."""
    source, cue = text.index(speaker), text.index(cue_word)
    start = text.index(content)
    ann = "\n".join(
        [
            f"T1\tSource {source} {source + len(speaker)}\t{speaker}",
            f"T2\tCue {cue} {cue + len(cue_word)}\t{cue_word}",
            f"T3\tContent {start} {end}\t{text[start:end]}",
            f"T4\tAttribution {cue} {cue + len(cue_word)}\t{cue_word}",
            "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        ]
    )
    return read_brat_annotations(text, ann, "a1")


def test_training_rows_mark_the_candidate_that_matches_gold(nlp):
    from crosswire.evaluate.statements import scorer_training_rows

    text = "Councillor Anna Vey cast the levy as a betrayal of the fishing towns."
    gold = _brat_gold(text, "Councillor Anna Vey", "cast", "the levy", len(text) - 1)
    rows = scorer_training_rows(nlp(text), Article(id="a1", text=text), gold)
    assert any(right for _, right in rows)
    assert any(not right for _, right in rows)
    assert all(features for features, _ in rows)


def test_a_fitted_scorer_weighs_a_feature_of_right_rows_above_one_of_wrong_rows():
    from crosswire.evaluate.statements import fit_scorer

    rows = [(["lemma=say", "type=ccomp"], True)] * 20 + [(["lemma=walk", "type=ccomp"], False)] * 20
    model = fit_scorer(rows, regularisation=1.0)
    assert model["weights"]["lemma=say"] > 0 > model["weights"]["lemma=walk"]


def test_training_refuses_the_dev_split(tmp_path):
    from crosswire.evaluate.statements import main

    assert main(["train", str(tmp_path / "dev"), "--out", str(tmp_path / "s.json")]) == 2
    assert not (tmp_path / "s.json").exists()


def test_held_out_measuring_refuses_the_dev_split(tmp_path):
    from crosswire.evaluate.statements import main

    assert main(["held-out", str(tmp_path / "dev")]) == 2


def test_boundary_rows_mark_the_first_cut_after_the_gold_content_as_right(nlp):
    from crosswire.evaluate.statements import boundary_training_rows

    text = "Senator Ana Vey said she would vote against the bill, throwing the plan into doubt."
    gold = _brat_gold(text, "Senator Ana Vey", "said", "she would", text.index(", throwing"))
    rows = boundary_training_rows(nlp(text), Article(id="a1", text=text), gold)
    labels = [right for _, right in rows]
    assert labels and labels[-1] and not any(labels[:-1])
    assert "mark=," in rows[-1][0]


def test_boundary_rows_leave_a_content_that_ends_with_gold_uncut(nlp):
    from crosswire.evaluate.statements import boundary_training_rows

    text = "Senator Ana Vey said she would vote against the bill, throwing the plan into doubt."
    gold = _brat_gold(text, "Senator Ana Vey", "said", "she would", len(text) - 1)
    rows = boundary_training_rows(nlp(text), Article(id="a1", text=text), gold)
    assert rows and not any(right for _, right in rows)


def test_a_report_inside_a_quotation_is_nested_in_it_and_its_pronoun_left_as_written(nlp):
    statements = statements_of(
        nlp,
        'Olena Marchuk told reporters: "My brother called me from the boat. He said they were '
        'hitting people with rifle butts."',
    )
    quote = one_with(statements, "My brother called me")
    assert quote.kind == "direct" and quote.speaker_name == "Olena Marchuk"
    report = next(s for s in statements if s.content.text.startswith("they were hitting"))
    assert report.content.text == "they were hitting people with rifle butts"
    assert report.kind == "indirect" and report.cue.text == "said"
    assert report.nested_in == quote.id
    # whom "He" means is in the quotation, not the last speaker the article named
    assert report.speaker.text == "He" and report.speaker_name is None


def test_a_quoted_speakers_own_words_are_not_a_report_nested_in_the_quotation(nlp):
    statements = statements_of(
        nlp,
        'Ivan Tomarov said: "They wanted me to confess to things I never did. '
        'If they want a fight, they will find out that we can fight too."',
    )
    assert [s.content.text for s in statements] == [
        "They wanted me to confess to things I never did. If they want a fight, they will "
        "find out that we can fight too."
    ]


def test_an_accusation_reports_its_of_phrase_even_when_a_date_lies_inside_it(nlp):
    (statement,) = statements_of(
        nlp,
        "The defence minister, Yuriy Hordynskyi, accused Velmara of carrying out the attack in "
        "retaliation for the seizure of fishing boats on Sunday.",
    )
    assert statement.cue.text == "accused" and statement.cue_stance == "distancing"
    assert statement.content.text == (
        "Velmara of carrying out the attack in retaliation for the seizure of fishing boats on "
        "Sunday"
    )
    assert statement.date is None  # "on Sunday" dates the seizure, not the accusation


def test_a_date_phrase_on_the_cue_still_dates_the_statement(nlp):
    (statement,) = statements_of(nlp, "The minister said on Monday that the port would reopen.")
    assert statement.date is not None and statement.date.text == "on Monday"
    assert statement.content.text.endswith("the port would reopen")
