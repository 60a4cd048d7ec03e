"""Claims: one proposition across outlets, its independent sources, denials, conflicts, omissions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from crosswire.claims import (
    debunking_cue,
    denies_a_part,
    extract_assertions,
    find_quantities,
    group_claims,
    is_negated,
    load_claim_lexicons,
    numeric_conflicts,
    representative_index,
    story_summary,
    unit_items,
)
from crosswire.records import Article, Entity, Mention, Span, Statement, Story


def statement(article, content, speaker, cue=None, stance="neutral", kind="indirect", sid=None):
    """Build a statement from exact substrings of the article text."""
    start = article.text.index(content)
    cue_span = None
    if cue:
        cue_start = article.text.index(cue)
        cue_span = Span.of(article.text, cue_start, cue_start + len(cue))
    return Statement(
        id=sid or f"{article.id}:{start}",
        article_id=article.id,
        content=Span.of(article.text, start, start + len(content)),
        kind=kind,
        cue=cue_span,
        cue_stance=stance,
        speaker_name=speaker,
        speaker_type="PERSON",
    )


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    """The two seed reports with their key statements, written out by hand."""
    first, second = sorted(seeds_dir.glob("*.txt"))
    tass = Article(id="tass", text=first.read_text(encoding="utf-8"), outlet="TASS")
    agency = Article(id="agency", text=second.read_text(encoding="utf-8"), outlet="Agency")
    statements = [
        statement(
            tass,
            "the Kiev regime had attempted a terrorist attack on President Vladimir Putin’s state "
            "residence in the Novgorod Region with the use of 91 long-range combat drones",
            "Sergey Lavrov",
            cue="told journalists",
            sid="tass-drones",
        ),
        statement(
            tass, "All of them were jammed by Russian electronic warfare tools", "Sergey Lavrov"
        ),
        statement(
            tass,
            "that Russia would revise its stance at the settlement talks",
            "Vladimir Putin",
            sid="tass-revise",
        ),
        statement(
            agency,
            "Putin and Trump held another phone call, during which the latter briefed his "
            "counterpart on his meeting with Ukrainian President Volodymyr Zelenskyy in Florida a "
            "day prior",
            "Yuri Ushakov",
        ),
        statement(
            agency,
            "that Ukraine launched a drone attack on Putin's residence in the northwestern "
            "Novgorod region using 91 long-range strike drones",
            "Sergey Lavrov",
            cue="claimed that Ukraine",
            stance="distancing",
            sid="agency-drones",
        ),
        statement(
            agency,
            "Moscow will revise its negotiating position amid ongoing talks for peace in Ukraine "
            "due to the attack",
            "Sergey Lavrov",
            sid="agency-revise",
        ),
        statement(
            agency,
            "that Ukraine's drone attack on the presidential residence in his country's "
            'northwestern Novgorod region "will not go unanswered',
            "Vladimir Putin",
            sid="agency-unanswered",
        ),
        statement(
            agency,
            "Lavrov's claims",
            "Volodymyr Zelenskyy",
            cue="denied",
            stance="denial",
            sid="agency-denial",
        ),
    ]
    articles = [tass, agency]
    story = Story(id="t1", title="t", article_ids=["tass", "agency"], outlets=["TASS", "Agency"])
    claims = group_claims([story], articles, statements, [])
    return story, claims


def claim_with(claims, statement_id):
    return next(c for c in claims if statement_id in {w["statement_id"] for w in c.wordings})


def test_drone_count_worded_differently_by_two_outlets_is_one_claim(seeds):
    _, claims = seeds
    drones = claim_with(claims, "tass-drones")
    assert {w["statement_id"] for w in drones.wordings} == {"tass-drones", "agency-drones"}
    assert sorted(drones.outlets) == ["Agency", "TASS"]


def test_two_outlets_quoting_the_same_minister_are_one_independent_source(seeds):
    _, claims = seeds
    assert claim_with(claims, "tass-drones").independent_sources == 1


def test_denial_of_a_speakers_claims_contests_the_claim_he_claimed(seeds):
    _, claims = seeds
    drones = claim_with(claims, "tass-drones")
    assert drones.contested and drones.contested_by == ["agency-denial"]
    assert not claim_with(claims, "tass-revise").contested  # Lavrov "said" this, not "claimed"


def test_denial_left_out_by_one_outlet_is_its_omission(seeds):
    story, claims = seeds
    denial = claim_with(claims, "agency-denial")
    assert denial.omitted_by == ["TASS"]
    summary = story_summary(story, claims)
    assert summary["omissions"]["TASS"][0]["id"] == denial.id  # denials come first
    assert claim_with(claims, "tass-drones").id in {c["id"] for c in summary["contested"]}


def test_a_promise_about_the_attack_is_not_the_report_of_the_attack(seeds):
    _, claims = seeds
    drones = claim_with(claims, "tass-drones")
    assert "agency-unanswered" not in {w["statement_id"] for w in drones.wordings}
    assert "agency-unanswered" not in drones.contested_by


def test_revised_position_is_one_claim_carried_by_both_outlets(seeds):
    _, claims = seeds
    revise = claim_with(claims, "tass-revise")
    assert {w["statement_id"] for w in revise.wordings} == {"tass-revise", "agency-revise"}
    assert revise.omitted_by == []


def test_wordings_point_at_exact_article_text(seeds):
    _, claims = seeds
    for claim in claims:
        for wording in claim.wordings:
            assert wording["span"]["text"]
            assert wording["outlet"] in {"TASS", "Agency"}


def test_quantity_reads_digits_and_number_words_with_what_they_count():
    lexicons = load_claim_lexicons()
    (drones,) = find_quantities("using 91 long-range strike drones", lexicons)
    assert drones.value == 91 and "drone" in drones.nouns
    (vessels,) = find_quantities("Forty-one vessels crossed the border", lexicons)
    assert vessels.value == 41
    (people,) = find_quantities("Two hundred and thirty people were held", lexicons)
    assert people.value == 230


@pytest.mark.parametrize(
    ("text", "value", "noun"),
    [
        ("Around 1,500 people a week used the route", 1500, "person"),
        ("Some 12,000 people were evacuated", 12000, "person"),
        ("1500 people were evacuated", 1500, "person"),
        ("2.5 million people fled the city", 2_500_000, "person"),
        ("a 91-drone attack on the depot", 91, "drone"),
    ],
)
def test_quantity_reads_thousands_decimals_scales_and_hyphenated_counts(text, value, noun):
    (quantity,) = find_quantities(text)
    assert quantity.value == value
    assert noun in quantity.nouns


def test_dates_and_years_are_not_quantities():
    assert find_quantities("overnight to December 29 in 2025, on 1 March") == []


def test_different_counts_of_the_same_thing_are_a_numeric_conflict():
    text = "He said 91 long-range combat drones were used. She said 90 long-range strike drones."
    article = Article(id="a", text=text)
    left = statement(article, "91 long-range combat drones were used", "A")
    right = statement(article, "90 long-range strike drones", "B")
    (conflict,) = numeric_conflicts(left, right, load_claim_lexicons())
    assert conflict["kind"] == "numeric"
    assert conflict["values"][0].startswith("91") and conflict["values"][1].startswith("90")


def test_no_casualties_against_three_injured_is_a_numeric_conflict():
    text = "Officials said there were no casualties. Medics said three injured people were treated."
    article = Article(id="a", text=text)
    left = statement(article, "there were no casualties", "A")
    right = statement(article, "three injured people were treated", "B")
    assert numeric_conflicts(left, right, load_claim_lexicons())


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("that no one had been hurt", [(0, "any")]),
        ("nobody was killed", [(0, "fatality")]),
        ("No casualties were reported", [(0, "any")]),
        ("Three workers were injured when drones struck", [(3, "injury")]),
        ("injuring three people and setting tanks ablaze", [(3, "injury")]),
        ("two dead and 14 wounded", [(2, "fatality"), (14, "injury")]),
        ("2,500 people were killed", [(2500, "fatality")]),
        ("at least two men were beaten", [(2, "injury")]),  # a beating harms ("nobody was hurt")
        ("Two of the injured were taken to hospital", []),  # a part of the harmed, no count
        ("Three people were rushed to hospital on 3 March", []),
    ],
)
def test_counts_of_people_harmed_are_read_with_zero_ones(text, counts):
    from crosswire.claims import casualty_counts

    assert [(c.value, c.kind) for c in casualty_counts(text)] == counts


def test_no_one_hurt_and_three_injured_conflict_across_claims_and_mark_their_outlets():
    from crosswire.report import claim_matrix

    wire = Article(
        id="a", text="Three workers were injured when drones struck the depot.", outlet="W"
    )
    radio = Article(id="b", text="The governor said no one had been hurt.", outlet="R")
    paper = Article(id="c", text="The mayor said no one was killed in the strike.", outlet="P")
    injured = replace(
        statement(wire, "Three workers were injured when drones struck the depot", "W"),
        kind="narrator",
    )
    unhurt = statement(radio, "no one had been hurt", "governor")
    not_killed = statement(paper, "no one was killed in the strike", "mayor")
    articles = [wire, radio, paper]
    claims = group_claims([one_story(*articles)], articles, [injured, unhurt, not_killed], [])
    flagged = {frozenset(c["statements"]) for claim in claims for c in claim.conflicts}
    assert frozenset({injured.id, unhurt.id}) in flagged
    assert frozenset({injured.id, not_killed.id}) not in flagged  # deaths, not injuries
    rows = claim_matrix([c.__dict__ for c in claims], ["W", "R", "P"])
    marks = {row["claim"]["wordings"][0]["statement_id"]: row["cells"] for row in rows}
    assert marks[injured.id]["W"] == "conflicting"
    assert marks[unhurt.id]["R"] == "conflicting"
    assert marks[not_killed.id]["P"] == "carried"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("58 percent support talks, up from 41 percent a year earlier", "58 percent back talks"),
        ("we have sailed this water for twenty-six years", "the first talks in two years"),
    ],
)
def test_a_count_both_give_or_a_duration_is_no_numeric_conflict(left, right):
    article = Article(id="a", text=f"{left}. {right}.")
    assert (
        numeric_conflicts(
            statement(article, left, "A"), statement(article, right, "B"), load_claim_lexicons()
        )
        == []
    )


def test_same_count_of_different_things_is_no_conflict():
    text = "91 drones were shot down. 40 boats were seized."
    article = Article(id="a", text=text)
    left = statement(article, "91 drones were shot down", "A")
    right = statement(article, "40 boats were seized", "B")
    assert numeric_conflicts(left, right, load_claim_lexicons()) == []


def test_negation_markers_are_found():
    assert is_negated("the boats did not enter its waters")
    assert is_negated("the ministry said there was no incursion")
    assert not is_negated("the boats entered its waters")


def test_outlet_assertion_with_numbers_is_a_narrator_statement(nlp):
    text = (
        "Coast guard ships detained 41 fishing boats in the Selen Strait on Sunday. "
        "The minister said the boats had entered illegally. "
        "It was a grey morning."
    )
    article = Article(id="n1", text=text, outlet="Meridian Wire")
    doc = nlp(text)
    said = statement(article, "the boats had entered illegally", "minister", cue="said")
    assertions = extract_assertions(doc, article, [said])
    assert [a.content.text for a in assertions] == [
        "Coast guard ships detained 41 fishing boats in the Selen Strait on Sunday."
    ]
    (assertion,) = assertions
    assert assertion.kind == "narrator" and assertion.speaker_name == "Meridian Wire"
    assert assertion.cue is None
    assert text[assertion.content.start : assertion.content.end] == assertion.content.text


def test_quoted_sentence_is_not_the_outlets_own_assertion(nlp):
    text = '"Forty boats were taken from Brevania," Kovalyk told the crowd in Dorsk.'
    article = Article(id="n2", text=text, outlet="Radio")
    assert extract_assertions(nlp(text), article, []) == []


def test_narrator_assertion_counts_the_outlet_as_a_source_and_copies_do_not(nlp):
    text = "Coast guard ships detained 41 fishing boats in the Selen Strait on Sunday."
    wire = Article(id="w", text=text, outlet="Meridian Wire")
    copy = Article(id="c", text=text, outlet="Daily Post")
    other = Article(
        id="o", text="Velmaran ships seized 41 fishing boats in the Selen Strait.", outlet="Radio"
    )
    story = Story(
        id="t",
        title="t",
        article_ids=["w", "c", "o"],
        duplicates={"c": "w"},
        outlets=["Meridian Wire", "Daily Post", "Radio"],
    )
    statements = []
    for item in (wire, copy, other):
        statements += extract_assertions(nlp(item.text), item, [])
    (claim,) = group_claims([story], [wire, copy, other], statements, [])
    assert sorted(claim.outlets) == ["Daily Post", "Meridian Wire", "Radio"]
    assert claim.independent_sources == 2  # the copy is Meridian Wire's report, not Daily Post's


@pytest.mark.parametrize(
    ("body", "stance"),
    [
        (
            "A council spokesman denied that the mayor of Dunmore had resigned after the audit.",
            "disagree",
        ),
        (
            "A post shared online said the mayor of Dunmore had resigned. The story is a hoax.",
            "disagree",
        ),
        ("The mayor of Dunmore resigned after the audit on Friday, the council said.", "agree"),
        (
            "The opposition claimed that the mayor of Dunmore had resigned after the audit.",
            "discuss",
        ),
    ],
)
def test_the_pipeline_tells_a_body_contesting_the_headline_from_one_carrying_or_relaying_it(
    body, stance
):
    from crosswire.evaluate.claims import pipeline_stance
    from crosswire.parse import parse_articles
    from crosswire.pipeline import annotate_article

    article = Article(id="body", text=body, outlet="Body", language="en")
    ((_, doc),) = parse_articles([article])
    found = annotate_article(doc, article).statements
    assert pipeline_stance("Mayor of Dunmore resigns after audit", article, found) == stance


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        ("The story about the mayor is a hoax.", "hoax"),
        ("No, it is not true.", "not true"),
        ("It turned out to be a hoax.", "hoax"),
        ("The video was faked.", "faked"),
        ("The claims have been debunked by the university.", "debunked"),
        ("Reports that the mayor resigned are untrue.", "untrue"),
        ("There is no evidence that the mayor resigned.", "no evidence"),
        # not a verdict on a report: a fact about passports, a negated verdict, a question,
        # a first-person opinion, an adjective on a noun that is no predicate
        ("The woman was caught with fake passports.", None),
        ("The passports were fake.", None),
        ("The video is not fake.", None),
        ("That's not true, is it?", None),
        ("I believe this could be a hoax.", None),
        ("He made a false statement to the police.", None),
    ],
)
def test_a_verdict_is_read_only_where_the_outlet_calls_a_report_untrue(nlp, sentence, verdict):
    (span,) = nlp(sentence).sents
    found = debunking_cue(span)
    assert (None if found is None else sentence[found[0] : found[1]]) == verdict


def test_an_outlets_verdict_is_its_denial_and_contests_what_the_other_outlet_reports(nlp):
    wire = Article(
        id="w",
        text="The mayor of Dunmore resigned on Friday after an audit of the port accounts.",
        outlet="Wire",
    )
    check = Article(
        id="f",
        text="A post shared thousands of times said the mayor had quit. The story is a hoax.",
        outlet="Checkers",
    )
    statements = []
    for item in (wire, check):
        statements += extract_assertions(nlp(item.text), item, [])
    verdicts = [s for s in statements if s.cue_stance == "denial"]
    assert [(v.kind, v.speaker_name, v.cue.text) for v in verdicts] == [
        ("narrator", "Checkers", "hoax")
    ]
    claims = group_claims([one_story(wire, check)], [wire, check], statements, [])
    resigned = next(c for c in claims if "Wire" in c.outlets)
    assert resigned.contested_by == [verdicts[0].id]


def test_a_verdict_naming_something_contests_the_closest_claim_not_the_most_carried(nlp):
    drones = "Drones struck a fuel depot in Tarniv overnight."
    wire = Article(id="w", text=drones, outlet="Wire")
    radio = Article(id="r", text=drones, outlet="Radio")
    courier = Article(id="c", text="Velmara launched the drones from the strait.", outlet="Courier")
    agency = Article(
        id="a",
        text="The tale that Velmara sent the drones is a fabrication from start to finish.",
        outlet="Agency",
    )
    articles = [wire, radio, courier, agency]
    statements = []
    for item in articles:
        statements += extract_assertions(nlp(item.text), item, [])
    (verdict,) = [s for s in statements if s.cue_stance == "denial"]
    claims = group_claims([one_story(*articles)], articles, statements, [])
    contested = [c for c in claims if c.contested_by == [verdict.id]]
    assert [c.outlets for c in contested] == [["Courier"]]


def test_a_denial_of_involvement_does_not_contest_the_report_of_the_event():
    assert denies_a_part("any involvement in the so-called drone attack")
    assert denies_a_part("responsibility for the strike")
    assert not denies_a_part("that the drones had been launched from its territory")
    wire = Article(
        id="w",
        text="Drones struck a fuel depot in Tarniv overnight, the governor said.",
        outlet="Wire",
    )
    agency = Article(
        id="a",
        text="The ministry denied any involvement in the drone strike on the fuel depot in Tarniv.",
        outlet="Agency",
    )
    struck = statement(wire, "Drones struck a fuel depot in Tarniv overnight", "governor")
    denial = statement(
        agency,
        "any involvement in the drone strike on the fuel depot in Tarniv",
        "ministry",
        cue="denied",
        stance="denial",
    )
    claims = group_claims([one_story(wire, agency)], [wire, agency], [struck, denial], [])
    assert not claim_with(claims, struck.id).contested


def test_a_denial_does_not_contest_a_claim_that_itself_says_no():
    text = (
        "The mayor of Dunmore has not resigned, the council said. "
        "A spokesman denied that the mayor of Dunmore had resigned."
    )
    article = Article(id="n", text=text, outlet="Wire")
    other = Article(id="o", text="The mayor of Dunmore has not resigned.", outlet="Radio")
    kept = statement(article, "The mayor of Dunmore has not resigned", "council")
    also = statement(other, "The mayor of Dunmore has not resigned", "Radio", kind="narrator")
    denial = statement(
        article,
        "that the mayor of Dunmore had resigned",
        "spokesman",
        cue="denied",
        stance="denial",
    )
    claims = group_claims([one_story(article, other)], [article, other], [kept, also, denial], [])
    assert not claim_with(claims, kept.id).contested


def test_keyword_baseline_tells_a_denying_body_from_others():
    from crosswire.evaluate.claims import contest_stance

    headline = "Mayor of Dunmore resigns after audit"
    assert contest_stance(headline, "A spokesman denied that the mayor had resigned.") == "disagree"
    assert contest_stance(headline, "The mayor reportedly resigned on Friday.") == "discuss"
    assert contest_stance(headline, "The mayor resigned on Friday after the audit.") == "agree"


def test_pairwise_grouping_score_counts_pairs_of_gold_claims():
    from crosswire.evaluate.claims import pairwise_scores

    gold = [{"s1", "s2", "s3"}]
    assert pairwise_scores({"s1": "c", "s2": "c", "s3": "c"}, gold) == (1.0, 1.0, 1.0)
    precision, recall, _ = pairwise_scores({"s1": "c", "s2": "c", "s3": "d"}, gold)
    assert precision == 1.0 and recall == 1 / 3


def test_pair_errors_are_the_pairs_behind_the_pairwise_score():
    from crosswire.evaluate.claims import pair_errors, pairwise_scores

    gold = [{"st1", "st2", "st10"}, {"st4", "st5"}]
    predicted = {"st1": "a", "st2": "a", "st10": "b", "st4": "b", "st5": {"b"}, "st9": "a"}
    missed, false = pair_errors(predicted, gold)
    assert missed == [("st1", "st10"), ("st2", "st10")]  # st2 before st10: natural order
    assert false == [("st4", "st10"), ("st5", "st10")]  # st9 is in no gold claim: not scored
    precision, recall, _ = pairwise_scores(predicted, gold)
    assert (precision, recall) == (2 / 4, 2 / 4)  # 2 right of 4 predicted and of 4 gold pairs


@pytest.fixture(scope="module")
def analysed_seeds(seeds_dir):
    """The real pipeline (statements, entities, stories, claims) run on the two seed reports."""
    from crosswire.ingest import read_paths
    from crosswire.pipeline import analyze_articles

    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, Article)]
    analysis = analyze_articles(articles)
    by_id = {s.id: s for s in analysis.statements}
    return analysis, by_id


def claims_holding(analysis, by_id, words):
    """Return the claims with a wording whose statement content contains the words."""
    return [
        c
        for c in analysis.claims
        if any(words in by_id[w["statement_id"]].content.text for w in c.wordings)
    ]


def test_real_pipeline_makes_the_drone_count_one_claim_of_one_source_in_both_outlets(
    analysed_seeds,
):
    analysis, by_id = analysed_seeds
    (drones,) = claims_holding(analysis, by_id, "91 long-range combat drones")
    contents = [by_id[w["statement_id"]].content.text for w in drones.wordings]
    assert any("91 long-range strike drones" in text for text in contents)
    assert not any("unanswered" in text or "phone call" in text for text in contents)
    assert len(drones.outlets) == 2 and "TASS" in drones.outlets
    assert drones.independent_sources == 1


def test_real_pipeline_lets_the_denial_of_the_ministers_claims_contest_the_drone_claim(
    analysed_seeds,
):
    analysis, by_id = analysed_seeds
    (drones,) = claims_holding(analysis, by_id, "91 long-range combat drones")
    assert drones.contested
    denials = [by_id[sid] for sid in drones.contested_by]
    assert any(d.cue and d.cue.text == "denied" for d in denials)
    (story,) = analysis.stories
    summary = story_summary(story, analysis.claims)
    omitted_by_tass = summary["omissions"]["TASS"]
    first = next(c for c in analysis.claims if c.id == omitted_by_tass[0]["id"])
    assert {w["statement_id"] for w in first.wordings} & set(drones.contested_by)


def test_real_pipeline_makes_the_revised_position_one_claim_carried_by_both_outlets(
    analysed_seeds,
):
    analysis, by_id = analysed_seeds
    (revise,) = claims_holding(analysis, by_id, "Russia would revise its stance")
    contents = " | ".join(by_id[w["statement_id"]].content.text for w in revise.wordings)
    assert "will revise its negotiating position" in contents
    assert "position will be revised" in contents
    assert len(revise.outlets) == 2 and revise.omitted_by == []


def test_statement_split_into_several_claims_gives_each_claim_its_own_id(analysed_seeds):
    analysis, _ = analysed_seeds
    ids = [c.id for c in analysis.claims]
    assert len(ids) == len(set(ids))
    split = [w["statement_id"] for c in analysis.claims for w in c.wordings if w["span"]["text"]]
    assert len(split) > len(set(split))  # some statement does sit in more than one claim


def test_denial_contests_the_claim_it_repeats_and_does_not_join_it():
    text = (
        "The ministry said the boats had entered its territorial waters. "
        "The union said 230 crew members were held in the port. "
        "The foreign ministry denied that the boats had entered its territorial waters."
    )
    article = Article(id="d", text=text, outlet="Wire")
    entered = statement(article, "the boats had entered its territorial waters", "ministry")
    crews = statement(article, "230 crew members were held in the port", "union")
    denial = statement(
        article,
        "that the boats had entered its territorial waters",
        "foreign ministry",
        cue="denied",
        stance="denial",
    )
    story = Story(id="s", title="s", article_ids=["d"], outlets=["Wire"])
    claims = group_claims([story], [article], [entered, crews, denial], [])
    claim = claim_with(claims, entered.id)
    assert denial.id not in {w["statement_id"] for w in claim.wordings}
    assert claim.contested_by == [denial.id]
    assert not claim_with(claims, crews.id).contested


def one_story(*articles):
    return Story(
        id="s",
        title="s",
        article_ids=[a.id for a in articles],
        outlets=[a.outlet for a in articles],
    )


def test_different_counts_of_the_same_seized_boats_are_one_claim_with_a_numeric_conflict():
    wire = Article(id="a", text="The ministry said 41 fishing boats had been seized.", outlet="W")
    radio = Article(id="b", text="The union said forty vessels were taken to port.", outlet="R")
    ferry = Article(id="c", text="The mayor said the ferry would keep running.", outlet="C")
    seized = statement(wire, "41 fishing boats had been seized", "ministry")
    taken = statement(radio, "forty vessels were taken to port", "union")
    running = statement(ferry, "the ferry would keep running", "mayor")
    claims = group_claims(
        [one_story(wire, radio, ferry)], [wire, radio, ferry], [seized, taken, running], []
    )
    claim = claim_with(claims, seized.id)
    assert {w["statement_id"] for w in claim.wordings} == {seized.id, taken.id}
    assert [c["kind"] for c in claim.conflicts] == ["numeric"]


def test_a_negation_elsewhere_in_a_statement_is_no_conflict_with_the_claim_it_shares():
    # the wire's sentence also says the attacks "would not go unanswered": another proposition,
    # so its wording of the talks claim is not the negation of the radio's
    wire = Article(
        id="a",
        text="The envoy said the ministry expressed that such attacks would not go unanswered, "
        "and that the ministry intends to keep working closely with the mediators on a settlement.",
        outlet="W",
    )
    radio = Article(
        id="b",
        text="The envoy said the ministry intends to keep working closely with the mediators "
        "on a settlement.",
        outlet="R",
    )
    both = statement(
        wire,
        "the ministry expressed that such attacks would not go unanswered, and that the ministry "
        "intends to keep working closely with the mediators on a settlement",
        "envoy",
    )
    talks = statement(
        radio,
        "the ministry intends to keep working closely with the mediators on a settlement",
        "envoy",
    )
    claims = group_claims([one_story(wire, radio)], [wire, radio], [both, talks], [])
    claim = claim_with(claims, talks.id)
    assert {w["statement_id"] for w in claim.wordings} == {both.id, talks.id}
    assert claim.conflicts == []


def test_a_negated_main_clause_is_a_negation_conflict_within_a_claim():
    wire = Article(
        id="a", text="The mayor said the army shelled the harbour on Monday.", outlet="W"
    )
    radio = Article(
        id="b", text="The general said the army did not shell the harbour on Monday.", outlet="R"
    )
    shelled = statement(wire, "the army shelled the harbour on Monday", "mayor")
    denied = statement(radio, "the army did not shell the harbour on Monday", "general")
    claims = group_claims([one_story(wire, radio)], [wire, radio], [shelled, denied], [])
    claim = claim_with(claims, shelled.id)
    assert {w["statement_id"] for w in claim.wordings} == {shelled.id, denied.id}
    assert [c["kind"] for c in claim.conflicts] == ["negation"]
    assert claim.conflicts[0]["values"] == [
        "the army shelled the harbour on Monday",
        "the army did not shell the harbour on Monday",
    ]


def test_counts_of_people_in_general_do_not_make_two_statements_one_claim():
    ferry = Article(
        id="a", text="The operator said around 1,500 people a week used the route.", outlet="W"
    )
    poll = Article(id="b", text="The pollster said its sample of 600 people was small.", outlet="R")
    riders = statement(ferry, "around 1,500 people a week used the route", "operator")
    sample = statement(poll, "its sample of 600 people was small", "pollster")
    claims = group_claims([one_story(ferry, poll)], [ferry, poll], [riders, sample], [])
    assert claim_with(claims, riders.id) is not claim_with(claims, sample.id)
    assert all(c.conflicts == [] for c in claims)


@pytest.mark.parametrize(
    ("both_text", "strike_text", "injury_text", "strike_span", "injury_span"),
    [
        (  # a trailing time clause
            "Three workers were injured when drones struck the fuel depot in Tarniv overnight.",
            "Drones struck a fuel depot in Tarniv overnight.",
            "Three people were injured, the hospital said.",
            "when drones struck the fuel depot in Tarniv overnight",
            "Three workers were injured",
        ),
        (  # a trailing participle clause with its own object
            "Rockets hit a grain silo in the port of Brask on Friday, injuring four dockers there.",
            "Rockets hit a grain silo in Brask on Friday.",
            "Four dockers were injured, the hospital said.",
            "Rockets hit a grain silo in the port of Brask on Friday",
            "injuring four dockers there",
        ),
    ],
)
def test_trailing_clause_joins_the_claim_other_outlets_state_on_its_own(
    both_text, strike_text, injury_text, strike_span, injury_span
):
    first = Article(id="a", text=both_text, outlet="Courier")
    second = Article(id="b", text=strike_text, outlet="Wire")
    third = Article(id="c", text=injury_text, outlet="Radio")
    both = statement(first, both_text.rstrip("."), "mayor")
    struck = statement(second, strike_text.rstrip("."), "officials")
    injured = statement(third, injury_text.split(",")[0], "hospital")
    articles = [first, second, third]
    claims = group_claims([one_story(*articles)], articles, [both, struck, injured], [])
    strike = claim_with(claims, struck.id)
    injuries = claim_with(claims, injured.id)
    assert strike.id != injuries.id
    (in_strike,) = [w for w in strike.wordings if w["statement_id"] == both.id]
    (in_injuries,) = [w for w in injuries.wordings if w["statement_id"] == both.id]
    assert in_strike["span"]["text"] == strike_span
    assert in_injuries["span"]["text"] == injury_span
    for wording in (in_strike, in_injuries):
        span = wording["span"]
        assert first.text[span["start"] : span["end"]] == span["text"]


def test_clauses_joined_by_a_semicolon_are_two_propositions():
    wire = Article(
        id="a",
        text="Officials said the ferry service was suspended until further notice; insurers had "
        "refused to cover the route after the drone strike.",
        outlet="Wire",
    )
    radio = Article(
        id="b",
        text="Insurers refused to cover the route after the strike, it said.",
        outlet="Radio",
    )
    paper = Article(id="c", text="The ferry service was suspended, the port said.", outlet="Paper")
    both = statement(
        wire,
        "the ferry service was suspended until further notice; insurers had refused to cover "
        "the route after the drone strike",
        "officials",
    )
    insurers = statement(radio, "Insurers refused to cover the route after the strike", "company")
    suspended = statement(paper, "The ferry service was suspended", "port")
    articles = [wire, radio, paper]
    claims = group_claims([one_story(*articles)], articles, [both, insurers, suspended], [])
    assert {w["statement_id"] for w in claim_with(claims, insurers.id).wordings} == {
        both.id,
        insurers.id,
    }
    assert {w["statement_id"] for w in claim_with(claims, suspended.id).wordings} == {
        both.id,
        suspended.id,
    }


def test_relative_clause_inside_the_main_clause_is_not_cut():
    text = "The vessels that entered the strait on Sunday were seized by the coast guard."
    article = Article(id="a", text=text, outlet="W")
    seized = statement(article, text.rstrip("."), "ministry")
    (claim,) = group_claims([one_story(article)], [article], [seized], [])
    assert [w["span"]["text"] for w in claim.wordings] == [text.rstrip(".")]


def test_a_relative_clause_saying_what_the_subject_did_is_not_cut_from_it():
    text = "The previous administrations were the ones who caused problems in the region."
    article = Article(id="a", text=text, outlet="W")
    said = statement(article, text.rstrip("."), "spokeswoman")
    (claim,) = group_claims([one_story(article)], [article], [said], [])
    assert claim.text == text.rstrip(".")  # not "who caused problems in the region"
    assert [w["span"]["text"] for w in claim.wordings] == [text.rstrip(".")]


def test_partial_quote_goes_with_the_clause_that_holds_it():
    wire = Article(
        id="a",
        text='The ministry said 41 boats had been seized after they "illegally entered" its waters.',
        outlet="Wire",
    )
    news = Article(id="b", text="The coast guard said 41 vessels had been detained.", outlet="News")
    radio = Article(
        id="c",
        text="The coast guard said the vessels had entered its waters illegally.",
        outlet="R",
    )
    seized = statement(
        wire, '41 boats had been seized after they "illegally entered" its waters', "ministry"
    )
    quoted = replace(
        statement(wire, "illegally entered", "ministry", kind="partial"), nested_in=seized.id
    )
    detained = statement(news, "41 vessels had been detained", "coast guard")
    entered = statement(radio, "the vessels had entered its waters illegally", "coast guard")
    articles = [wire, news, radio]
    claims = group_claims([one_story(*articles)], articles, [seized, quoted, detained, entered], [])
    count = claim_with(claims, detained.id)
    entry = claim_with(claims, entered.id)
    assert {w["statement_id"] for w in count.wordings} == {seized.id, detained.id}
    assert {w["statement_id"] for w in entry.wordings} == {seized.id, quoted.id, entered.id}


def test_denial_by_a_speaker_of_another_claim_contests_that_claim_not_his_own():
    text = (
        "The ministry said the boats had entered its territorial waters. "
        "The ministry denied that the boats were fishing legally in the strait. "
        "The union said the boats were fishing legally in the strait."
    )
    article = Article(id="d", text=text, outlet="Wire")
    entered = statement(article, "the boats had entered its territorial waters", "ministry")
    denial = statement(
        article,
        "that the boats were fishing legally in the strait",
        "ministry",
        cue="denied",
        stance="denial",
    )
    legal = statement(article, "the boats were fishing legally in the strait", "union", sid="legal")
    claims = group_claims([one_story(article)], [article], [entered, denial, legal], [])
    assert claim_with(claims, legal.id).contested_by == [denial.id]
    assert not claim_with(claims, entered.id).contested


def test_demo_gold_links_the_syndicated_copy_to_its_original():
    from crosswire.evaluate.claims import DEFAULT_GOLD, read_demo_claims

    articles, stories, _, data = read_demo_claims(DEFAULT_GOLD)
    copies = {key for key, entry in data["articles"].items() if entry.get("duplicate_of")}
    linked = {copy for story in stories for copy in story.duplicates}
    assert copies and len(linked) == len(copies)
    by_id = {a.id: a for a in articles}
    assert all(
        by_id[original].outlet == "Meridian Wire"
        for s in stories
        for original in s.duplicates.values()
    )


def test_denial_that_names_nothing_contests_the_claim_just_before_it():
    text = (
        "The governor accused the neighbours of carrying out the drone strike on the depot. "
        "The defence ministry rejected the accusation. "
        "The union said 230 crew members were still held in the port."
    )
    article = Article(id="d", text=text, outlet="Wire")
    other = Article(
        id="e",
        text="The governor said the neighbours launched the drones at the depot.",
        outlet="R",
    )
    accused = statement(
        article, "the neighbours of carrying out the drone strike on the depot", "governor"
    )
    denial = statement(
        article, "the accusation", "defence ministry", cue="rejected", stance="denial"
    )
    crews = statement(article, "230 crew members were still held in the port", "union")
    launched = statement(other, "the neighbours launched the drones at the depot", "governor")
    story = one_story(article, other)
    claims = group_claims([story], [article, other], [accused, denial, crews, launched], [])
    assert claim_with(claims, accused.id).contested_by == [denial.id]
    assert not claim_with(claims, crews.id).contested


def mention_of(article, form, entity_id, label="GPE"):
    start = article.text.index(form)
    return Mention(article.id, Span.of(article.text, start, start + len(form)), label, entity_id)


def named_entity(article, name, entity_id, label, aliases=()):
    """An entity named once, by its own name, in the article."""
    return Entity(
        id=entity_id,
        name=name,
        label=label,
        aliases=list(aliases),
        mentions=[mention_of(article, name, entity_id, label)],
    )


def test_a_resolved_mention_counts_as_its_entity_whatever_its_spelling():
    text = "Officials said shelling damaged a hospital in Kiev overnight."
    article = Article(id="a", text=text, outlet="A")
    mention = mention_of(article, "Kiev", "kyiv")
    items = unit_items(text, 0, [(mention.span.start, mention.span.end, "kyiv")])
    assert "entity:kyiv" in items.names and "entity:kyiv" in items.words
    assert "kiev" not in items.names
    assert "officials" in items.names and "hospi" in items.words


def test_two_spellings_of_one_city_make_one_claim_when_entities_link_them():
    kyiv = Article(id="a", text="Officials said shelling damaged a hospital in Kyiv overnight.")
    kiev = Article(id="b", text="Analysts said a clinic in Kiev was hit by artillery overnight.")
    kyiv.outlet, kiev.outlet = "A", "B"
    damaged = statement(kyiv, "shelling damaged a hospital in Kyiv overnight", "officials")
    hit = statement(kiev, "a clinic in Kiev was hit by artillery overnight", "analysts")
    city = Entity(
        id="kyiv",
        name="Kyiv",
        label="GPE",
        mentions=[mention_of(kyiv, "Kyiv", "kyiv"), mention_of(kiev, "Kiev", "kyiv")],
    )
    story, articles = one_story(kyiv, kiev), [kyiv, kiev]
    assert len(group_claims([story], articles, [damaged, hit], [])) == 2
    (claim,) = group_claims([story], articles, [damaged, hit], [city])
    assert {w["statement_id"] for w in claim.wordings} == {damaged.id, hit.id}


def test_two_offices_of_one_state_are_one_independent_source_and_a_union_is_another():
    wire = Article(
        id="a",
        text="Ruritanian Foreign Minister Anna Berg said 41 fishing boats had been seized.",
        outlet="Wire",
    )
    radio = Article(
        id="b",
        text="The Ruritanian defence ministry said 41 fishing boats were seized on Sunday.",
        outlet="Radio",
    )
    paper = Article(
        id="c",
        text="The Ruritanian Fishermen's Union said 41 fishing boats were seized at sea.",
        outlet="Paper",
    )
    minister = statement(wire, "41 fishing boats had been seized", "Anna Berg")
    berg = named_entity(wire, "Anna Berg", "berg", "PERSON")
    ministry = statement(radio, "41 fishing boats were seized on Sunday", "Ruritanian Ministry")
    union = statement(paper, "41 fishing boats were seized at sea", "Ruritanian Fishermen's Union")
    articles = [wire, radio, paper]
    officials = group_claims([one_story(wire, radio)], articles, [minister, ministry], [berg])
    (claim,) = officials
    assert claim.independent_sources == 1
    (claim,) = group_claims([one_story(*articles)], articles, [minister, ministry, union], [berg])
    assert claim.independent_sources == 2


def test_an_outlet_relaying_another_outlets_report_adds_no_independent_source():
    wire = Article(id="a", text="Drones struck a fuel depot in the port overnight.", outlet="Wire")
    paper = Article(
        id="b", text="Wire reported that drones struck a fuel depot in the port.", outlet="Paper"
    )
    own = Statement(
        id="own",
        article_id="a",
        content=Span.of(wire.text, 0, len(wire.text) - 1),
        kind="narrator",
        speaker_name="Wire",
        speaker_type="OUTLET",
    )
    relayed = statement(paper, "drones struck a fuel depot in the port", "Wire")
    relayed = replace(relayed, speaker_type="ORG")
    (claim,) = group_claims([one_story(wire, paper)], [wire, paper], [own, relayed], [])
    assert claim.outlets == ["Wire", "Paper"]
    assert claim.independent_sources == 1


def test_a_denial_close_to_two_claims_contests_the_one_that_names_the_denier():
    from crosswire.claims import ClaimUnit, _contest_targets, _GroupCloseness

    text = (
        "Drones struck the depot. Ruritania sent the drones. Ruritania denied that its drones "
        "struck the depot. Ruritania denied any involvement."
    )
    article = Article(id="a", text=text)
    said = [
        statement(article, "Drones struck the depot", "officials", sid="struck"),
        statement(article, "Ruritania sent the drones", "minister", sid="accused"),
        statement(
            article, "that its drones struck the depot", "Ruritania", stance="denial", sid="denied"
        ),
    ]
    units = [ClaimUnit(s, s.content.start, s.content.end, s.content.text) for s in said]
    # the denial's highest similarity to each claim's units
    closeness = _GroupCloseness(
        {2: 0}, {"strike": 0, "accusation": 1, "denial": 2}, np.array([[0.9, 0.75, 1.0]])
    )
    contesting = [False, False, True]
    speakers = ["officials", "minister", "ruritania"]
    units_of = {"strike": [0], "accusation": [1], "denial": [2]}
    closest = _contest_targets(units, closeness, contesting, speakers, units_of, 0.7)
    assert closest == {"denied": {"strike"}}
    naming = _contest_targets(
        units, closeness, contesting, speakers, units_of, 0.7, {2: {"accusation"}}
    )
    assert naming == {"denied": {"accusation"}}
    # denying a part in the strike is aimed only at a claim naming the denier, never at the strike
    part = statement(article, "any involvement", "Ruritania", stance="denial", sid="part")
    units[2] = ClaimUnit(part, part.content.start, part.content.end, part.content.text)
    assert _contest_targets(units, closeness, contesting, speakers, units_of, 0.7) == {}
    assert _contest_targets(
        units, closeness, contesting, speakers, units_of, 0.7, {2: {"accusation"}}
    ) == {"part": {"accusation"}}


def test_a_president_and_the_side_of_his_country_are_one_source_when_the_demonym_is_irregular():
    wire = Article(
        id="a",
        text="Sarkine's President Ivo Tal said the talks in Sarkine would resume in May.",
        outlet="Wire",
    )
    radio = Article(
        id="b", text="The Sarkinian side said the talks would resume in May.", outlet="Radio"
    )
    president = statement(wire, "the talks in Sarkine would resume in May", "Ivo Tal")
    side = statement(radio, "the talks would resume in May", "Sarkinian side")
    tal = named_entity(wire, "Ivo Tal", "tal", "PERSON")
    country = named_entity(wire, "Sarkine", "sarkine", "GPE")
    articles = [wire, radio]
    (claim,) = group_claims([one_story(*articles)], articles, [president, side], [tal, country])
    assert claim.independent_sources == 1


def test_gold_entities_mark_each_form_once_longest_first_and_skip_shared_forms():
    from crosswire.evaluate.claims import gold_entities

    text = "Ships left the port of Velmarsk. The ministry said Velmarsk was calm."
    article = Article(id="a", text=text, outlet="W")
    forms = {"E5": ["the port of Velmarsk"], "E37": ["The ministry"], "E42": ["The ministry"]}
    data = {
        "entities": [
            {"id": key, "name": key, "label": "ORG", "surface_forms": found}
            for key, found in forms.items()
        ]
    }
    data["entities"][0]["name"] = "Velmarsk"
    port, defence, foreign = gold_entities(data, [article])
    assert [m.span.text for m in port.mentions] == ["the port of Velmarsk", "Velmarsk"]
    assert all(text[m.span.start : m.span.end] == m.span.text for m in port.mentions)
    assert {m.entity_id for m in port.mentions} == {"E5"}
    assert not defence.mentions and not foreign.mentions


def test_propositions_are_read_off_the_article_parse_with_their_clause_cut():
    from crosswire.claims import read_propositions
    from crosswire.models import load_nlp

    article = Article(
        id="a",
        text="The mayor said no one was hurt. "
        "She said three workers were injured when drones struck the fuel depot in Tarniv.",
    )
    unhurt = statement(article, "no one was hurt", "mayor")
    injured = statement(
        article, "three workers were injured when drones struck the fuel depot in Tarniv", "mayor"
    )
    read_propositions(load_nlp()(article.text), [unhurt, injured])
    (calm,) = unhurt.propositions
    assert calm.span.text == "no one was hurt" and calm.negates and not calm.modal
    first, second = injured.propositions
    assert [first.span.text, second.span.text] == [
        "three workers were injured",
        "when drones struck the fuel depot in Tarniv",
    ]
    assert "injur" in first.predicates and "struck" not in first.predicates
    assert "strik" in second.predicates and not second.negates
    for found in (calm, first, second):
        assert article.text[found.span.start : found.span.end] == found.span.text


def test_grouping_statements_read_by_the_per_article_stage_parses_nothing_again(monkeypatch):
    from crosswire import models
    from crosswire.claims import read_propositions

    wire = Article(id="a", text="Officials said drones struck a fuel depot in Tarniv.", outlet="W")
    paper = Article(id="b", text="The mayor said drones hit the Tarniv fuel depot.", outlet="P")
    said = [
        statement(wire, "drones struck a fuel depot in Tarniv", "officials"),
        statement(paper, "drones hit the Tarniv fuel depot", "mayor"),
    ]
    for article, found in zip((wire, paper), said, strict=True):
        read_propositions(models.load_nlp()(article.text), [found])

    def no_parsing(*args, **kwargs):
        raise AssertionError("claims parsed a text the per-article stage had read")

    monkeypatch.setattr(models, "load_nlp", no_parsing)
    (claim,) = group_claims([one_story(wire, paper)], [wire, paper], said, [])
    assert claim.outlets == ["W", "P"]


def test_a_title_or_a_first_name_ending_like_a_demonym_is_no_state():
    from crosswire.claims import SpeakerKeys

    text = (
        "Foreign Ministry Spokeswoman Mila Dorn said talks would resume. "
        "Regional governor Stefan Kral said the port was calm."
    )
    article = Article(id="a", text=text, outlet="Wire")
    dorn = named_entity(article, "Mila Dorn", "dorn", "PERSON")
    kral = named_entity(article, "Stefan Kral", "kral", "PERSON")
    keys = SpeakerKeys([dorn, kral], {"a": article})
    said = statement(article, "talks would resume", "Mila Dorn")
    assert keys.state_of(replace(said, speaker_entity_id="dorn")) is None
    said = statement(article, "the port was calm", "Stefan Kral")
    assert keys.state_of(replace(said, speaker_entity_id="kral")) is None
    ruritanian = statement(article, "talks would resume", "Ruritanian officials")
    assert keys.state_of(ruritanian) == "ruritania"


def test_a_chief_executive_and_the_company_titled_with_him_are_one_source():
    wire = Article(
        id="a",
        text="Acme Ferries said its insurers had declined cover for the route. "
        "Acme chief executive Jo Tal said the insurers had declined cover.",
        outlet="Wire",
    )
    company = statement(wire, "its insurers had declined cover for the route", "Acme Ferries")
    boss = statement(wire, "the insurers had declined cover", "Jo Tal")
    acme = named_entity(wire, "Acme Ferries", "acme", "ORG", aliases=["Acme"])
    tal = named_entity(wire, "Jo Tal", "tal", "PERSON")
    (claim,) = group_claims([one_story(wire)], [wire], [company, boss], [acme, tal])
    assert claim.independent_sources == 1


def test_an_officer_titled_by_a_state_force_speaks_for_that_state():
    from crosswire.claims import SpeakerKeys

    text = (
        "Ivo Pek, commander of the Coast Guard, said the boats were seized. "
        "The Ruritanian Coast Guard patrols the strait."
    )
    article = Article(id="a", text=text, outlet="Wire")
    guard = named_entity(
        article, "Ruritanian Coast Guard", "guard", "ORG", aliases=["the Coast Guard"]
    )
    pek = named_entity(
        article, "Ivo Pek", "pek", "PERSON", aliases=["commander of the Coast Guard"]
    )
    keys = SpeakerKeys([guard, pek], {"a": article})
    said = replace(statement(article, "the boats were seized", "Ivo Pek"), speaker_entity_id="pek")
    assert keys.source(said, "Wire") == "state:ruritania"


def test_a_unit_in_another_language_pays_no_penalty_for_what_the_english_parse_reads_in_it():
    from crosswire.claims import ClaimUnit, _read_unit, _similarities, load_claim_thresholds
    from crosswire.models import load_embedder, load_nlp
    from crosswire.settings import load_settings

    texts = ["Three dockers were hurt in the blast", "Trois personnes ont été blessées"]
    said = [
        Statement(id=f"s{i}", article_id=f"a{i}", content=Span(0, len(t), t), kind="indirect")
        for i, t in enumerate(texts)
    ]
    units = [ClaimUnit(s, 0, len(t), t) for s, t in zip(said, texts, strict=True)]
    vectors = np.asarray(load_embedder().encode(texts), dtype=np.float32)
    thresholds = load_claim_thresholds(load_settings().embedding_model)
    parses = [_read_unit(doc[:]) for doc in load_nlp().pipe(texts)]
    as_english = _similarities(units, vectors, thresholds, parses, english=[True, True])
    as_french = _similarities(units, vectors, thresholds, parses, english=[True, False])
    assert as_french[0, 1] > as_english[0, 1]
    assert as_french[0, 1] == pytest.approx(float(vectors[0] @ vectors[1]), abs=0.2)


def test_a_claims_label_is_not_picked_by_float_noise():
    first = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    second = np.array([0.8, 0.6, 0.0], dtype=np.float32)
    second_nudged = second * np.float32(1.0000003)  # rounding noise in the second's favour
    assert float(second_nudged @ (first + second_nudged)) > float(first @ (first + second_nudged))
    assert representative_index(np.stack([first, second_nudged])) == 0
    assert representative_index(np.stack([second_nudged, first])) == 0
    left, right = np.eye(3, dtype=np.float32)[:2]
    between = (left + right) / np.sqrt(np.float32(2))  # the one really closest to both others
    assert representative_index(np.stack([left, right, between])) == 2


def test_gold_conflicts_count_as_found_when_flagged_or_linked_as_contesting():
    from crosswire.evaluate.claims import conflicts_found
    from crosswire.records import Claim

    def claim(cid, members, conflicts=(), contested_by=()):
        return Claim(
            id=cid,
            story_id="s",
            text=cid,
            wordings=[{"statement_id": m} for m in members],
            conflicts=[{"kind": "numeric", "statements": list(p)} for p in conflicts],
            contested_by=list(contested_by),
        )

    claims = [
        claim("c1", ["a", "b"], conflicts=[("a", "b")]),
        claim("c2", ["c"], contested_by=["d"]),
        claim("c3", ["e"]),
    ]
    gold = [
        {"claim": "C1", "statements": ["b", "a"], "kind": "numeric"},
        {"claim": "C2", "statements": ["c", "d"], "kind": "negation"},
        {"claim": "C3", "statements": ["e", "f"], "kind": "negation"},
    ]
    scores = conflicts_found(gold, claims)
    assert scores["numeric conflicts found"] == "1/1"
    assert scores["negation conflicts found"] == "0/2"
    assert scores["negation conflicts found or linked as contesting"] == "1/2"
    assert scores["conflicts flagged"] == "1"


def test_label_wordings_are_chosen_among_the_eligible_ones():
    from crosswire.claims import _label_languages

    left, right = np.eye(3, dtype=np.float32)[:2]
    between = (left + right) / np.sqrt(np.float32(2))  # the most central, but not eligible
    assert representative_index(np.stack([left, right, between]), [True, True, False]) == 0
    assert representative_index(np.stack([left, right, between]), [False, False, False]) == 2
    assert _label_languages(["fr", "en", "en"]) == [False, True, True]
    assert _label_languages(["fr", "en"]) == [False, True]  # a tie goes to English
    assert _label_languages(["fr", "fr", "en"]) == [True, True, False]


BIG_STORY_REPORTS = [
    ("w1", "Wire", "Rebels shelled the port of Tarniv on Monday, killing 12 civilians."),
    ("w2", "Courier", "Rebels shelled the port of Tarniv on Monday, killing 12 civilians."),
    ("w3", "Herald", "Rebel artillery hit Tarniv's port on Monday and killed 12 civilians."),
    ("w4", "Post", "On Monday rebels shelled Tarniv port, and 12 civilians were killed."),
    ("w5", "Ledger", "The central bank raised its main interest rate to 5 percent on Monday."),
    ("w6", "Times", "The central bank lifted its key interest rate to 5 percent on Monday."),
]


def big_story_statements():
    """Reports of one shelling (two copies, two paraphrases), of a rate rise, and a denial."""
    articles = [Article(id=i, text=text, outlet=outlet) for i, outlet, text in BIG_STORY_REPORTS]
    denier = Article(
        id="w7",
        text="The rebel command denied that it shelled the port of Tarniv on Monday.",
        outlet="Gazette",
    )
    said = [statement(a, a.text.rstrip("."), "", kind="narrator") for a in articles]
    said = [replace(s, speaker_name=None, speaker_type=None) for s in said]
    denial = statement(
        denier,
        "that it shelled the port of Tarniv on Monday",
        "rebel command",
        cue="denied",
        stance="denial",
    )
    return [*articles, denier], [*said, denial]


def claims_by_statement(claims):
    return {w["statement_id"]: c.id for c in claims for w in c.wordings}


@pytest.mark.parametrize("block_limit", [0, 2000])
def test_a_story_too_big_for_dense_matrices_groups_copies_and_paraphrases_and_keeps_denials_apart(
    monkeypatch, block_limit
):
    from crosswire import claims as claims_module

    articles, said = big_story_statements()
    story = Story(id="s", title="t", article_ids=[a.id for a in articles])
    dense = claims_by_statement(group_claims([story], articles, said, []))
    # the sparse path alone (block_limit 0), and with the dense path inside its coarse blocks
    monkeypatch.setattr(claims_module, "DENSE_UNIT_LIMIT", 0)
    monkeypatch.setattr(claims_module, "DENSE_BLOCK_LIMIT", block_limit)
    found = group_claims([story], articles, said, [])
    labels = claims_by_statement(found)
    shelling = {labels[s.id] for s in said[:4]}
    rates = {labels[s.id] for s in said[4:6]}
    assert len(shelling) == 1 and len(rates) == 1 and shelling != rates
    assert labels[said[6].id] not in shelling | rates  # the denial contests, never joins
    assert labels == dense
    (claim,) = [c for c in found if c.id in shelling]
    assert claim.contested_by == [said[6].id]


def test_the_sparse_path_never_builds_a_units_by_units_matrix(monkeypatch):
    from crosswire import claims as claims_module

    articles, said = big_story_statements()
    story = Story(id="s", title="t", article_ids=[a.id for a in articles])
    count = len(said)  # one unit each
    shapes = []
    every_pair_evidence = claims_module._every_pair_evidence

    def watched(units, rows=None, columns=None):
        shapes.append(
            (count if rows is None else len(rows), count if columns is None else len(columns))
        )
        return every_pair_evidence(units, rows, columns)

    def refused(*args, **kwargs):
        raise AssertionError("the dense similarity matrix was built above DENSE_UNIT_LIMIT")

    monkeypatch.setattr(claims_module, "_every_pair_evidence", watched)
    monkeypatch.setattr(claims_module, "_similarities", refused)
    monkeypatch.setattr(claims_module, "DENSE_UNIT_LIMIT", count - 1)
    monkeypatch.setattr(claims_module, "DENSE_BLOCK_LIMIT", 2)
    group_claims([story], articles, said, [])
    assert shapes and all(rows < count or columns < count for rows, columns in shapes)
    assert all(rows <= 2 for rows, _ in shapes)  # a block of two, or the one denial's row


def wording(statement_id, text):
    """A claim's wording as ``_conflicts`` reads it (all wordings alike in meaning)."""
    from crosswire.claims import _content_words, _Wording, negated_words

    vector = np.full(4, 0.5, dtype=np.float32)
    return _Wording(statement_id, text, vector, _content_words(text), negated_words(text))


def conflicts_across_sides(side_a: str, side_b: str, copies: int) -> list[dict]:
    """Conflicts of a claim worded ``copies`` times as ``side_a`` ("a..." ids) and as ``side_b``
    ("b..."); every wording is in some conflict, and each pairs an "a" wording with a "b" one."""
    from crosswire.claims import _conflicts

    wordings = [wording(f"a{i:02}", side_a) for i in range(copies)]
    wordings += [wording(f"b{i:02}", side_b) for i in range(copies)]
    conflicts = _conflicts(wordings, load_claim_lexicons(), {"negation": 0.5})
    assert {s for c in conflicts for s in c["statements"]} == {w.statement_id for w in wordings}
    assert all({s[0] for s in c["statements"]} == {"a", "b"} for c in conflicts)
    return conflicts


def test_a_claim_of_many_wordings_of_two_counts_lists_each_wording_once_against_the_other_count():
    conflicts = conflicts_across_sides(
        "Rebels killed 12 civilians in the port", "Rebels killed 20 civilians in the port", 30
    )
    # one row per wording (the two first wordings share one), not one per pair (900)
    assert len(conflicts) == 59
    for conflict in conflicts:
        assert conflict["kind"] == "numeric"
        assert sorted(conflict["values"]) == [
            "12 civilians in the port",
            "20 civilians in the port",
        ]


def test_a_claim_of_many_wordings_of_opposite_polarity_lists_each_wording_once():
    conflicts = conflicts_across_sides(
        "The army shelled the village", "The army did not shell the village", 20
    )
    assert len(conflicts) == 39
    assert all(c["kind"] == "negation" for c in conflicts)


def eager_average_linkage(vectors, left, right, extra, threshold, unlisted_share):
    """Average linkage over candidate pairs as first written: every pair of linked groups
    scored anew before each join. Return the groups as a partition (sets of rows)."""
    groups = {i: [i] for i in range(len(vectors))}
    ends = zip(left.tolist(), right.tolist(), extra.tolist(), strict=True)
    links = {(a, b): (gain, 1) for a, b, gain in ends}
    while links:
        scored = []
        for (a, b), (gain, listed) in links.items():
            every = len(groups[a]) * len(groups[b])
            cosine = vectors[groups[a]].astype(np.float64).sum(0) @ vectors[groups[b]].sum(0)
            estimate = gain + unlisted_share * (every - listed) * gain / listed
            scored.append(((cosine + estimate) / every, a, b))
        score, a, b = max(scored, key=lambda found: (found[0], -found[1], -found[2]))
        if 1.0 - score >= 1.0 - threshold:
            break
        groups[a] += groups.pop(b)
        joined = {}
        for (x, y), (gain, listed) in links.items():
            x, y = (a if x == b else x), (a if y == b else y)
            if x != y:
                key = (min(x, y), max(x, y))
                before = joined.get(key, (0.0, 0))
                joined[key] = (before[0] + gain, before[1] + listed)
        links = joined
    return sorted(sorted(members) for members in groups.values())


@pytest.mark.parametrize("seed", range(8))
def test_sparse_linkage_groups_as_scoring_every_pair_of_linked_groups_before_each_join(seed):
    from crosswire import claims as claims_module
    from crosswire.stories import nearest_neighbour_pairs

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 16))
    vectors = centres[rng.integers(0, 6, 60)] + rng.normal(scale=0.8, size=(60, 16))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    pairs = nearest_neighbour_pairs(vectors, 6)[:, :2].astype(np.int64)
    low, high = pairs.min(axis=1), pairs.max(axis=1)
    codes = np.unique(low[low != high] * 60 + high[low != high])
    left, right = codes // 60, codes % 60
    extra = rng.uniform(-0.1, 0.3, len(left))
    cuts = (0.6, 0.45, 0.3)
    levels = claims_module._sparse_average_linkage(vectors, left, right, extra, cuts)
    for cut, labels in zip(cuts, levels, strict=True):
        groups = {}
        for row, label in enumerate(labels):
            groups.setdefault(label, []).append(row)
        expected = eager_average_linkage(
            vectors, left, right, extra, cut, claims_module.UNLISTED_SHARE
        )
        assert sorted(groups.values()) == expected


def test_a_gold_conflict_pair_is_found_when_each_is_flagged_against_the_others_count():
    from crosswire.evaluate.claims import conflicts_found
    from crosswire.records import Claim

    def row(left, right, left_value, right_value):
        return {"kind": "numeric", "statements": [left, right], "values": [left_value, right_value]}

    # p and q say 12 boats, r and t say 20: each wording against one of the other count
    conflicts = [
        row("p", "r", "12 boats", "20 boats"),
        row("q", "r", "twelve boats", "20 boats"),
        row("p", "t", "12 boats", "twenty boats"),
    ]
    claim = Claim(
        id="c",
        story_id="s",
        text="boats",
        wordings=[{"statement_id": s} for s in "pqrt"],
        conflicts=conflicts,
    )
    gold = [
        {"claim": "C", "statements": ["q", "t"], "kind": "numeric"},  # never listed as a pair
        {"claim": "C", "statements": ["p", "q"], "kind": "numeric"},  # the same count: no conflict
    ]
    scores = conflicts_found(gold, [claim])
    assert scores["numeric conflicts found"] == "1/2"


def test_contesting_units_that_read_alike_share_a_row_yet_get_their_own_closeness():
    from crosswire import claims as claims_module
    from crosswire.models import load_embedder
    from crosswire.settings import load_settings

    articles, said = big_story_statements()
    # a denial of two sentences carried by four outlets: one text, one speaker, four statements
    denier = Article(
        id="w8",
        text="The rebel command denied that it shelled the port of Tarniv on Monday. "
        "Its fighters were far from the port of Tarniv that day.",
    )
    content = (
        "that it shelled the port of Tarniv on Monday. "
        "Its fighters were far from the port of Tarniv that day"
    )
    denial = statement(denier, content, "rebel command", cue="denied", stance="denial")
    copies = [replace(denial, id=f"copy{i}", article_id=f"w8{i}") for i in range(4)]
    units, _, parses = claims_module._story_units([*said[:-1], *copies], 4)
    vectors = np.asarray(load_embedder().encode([u.text for u in units]), dtype=np.float32)
    speakers = [u.statement.speaker_name or f"narrator {u.statement.id}" for u in units]
    thresholds = claims_module.load_claim_thresholds(load_settings().embedding_model)
    evidence = claims_module._unit_evidence(units, parses, speakers)
    rows = np.array([i for i, u in enumerate(units) if u.statement.cue_stance == "denial"])
    assert len(rows) == 8
    shared = []
    every_pair_evidence = claims_module._every_pair_evidence

    def watched(units, rows=None, columns=None):
        shared.append(columns is None)
        return every_pair_evidence(units, rows, columns)

    labels = list(range(len(units)))  # every unit its own group: the whole row is read
    try:
        claims_module._every_pair_evidence = watched
        closeness = claims_module._contest_closeness(evidence, vectors, thresholds, rows, labels)
    finally:
        claims_module._every_pair_evidence = every_pair_evidence
    assert shared.count(True) == 1  # one block of two full rows, one per sentence
    assert shared.count(False) == 1  # the six copies' own columns read in one call
    dense = claims_module._similarities(units, vectors, thresholds, parses, speakers)
    np.testing.assert_allclose(closeness.best, dense[rows], atol=1e-6)


def test_the_speaker_index_finds_the_speakers_a_text_names_as_reading_each_one_does():
    import random

    from crosswire.claims import SpeakerKeys, _SpeakerIndex

    rng = random.Random(7)
    names = [
        ("Mila Dorn", "PERSON"),
        ("Stefan Kral", "PERSON"),
        ("Seán O'Neil", "PERSON"),
        ("Jean-Luc Moreau", "PERSON"),
        ("Žofie Nováková", "PERSON"),
        ("U.N. envoy", "ORG"),
        ("the Interior Ministry", "ORG"),
        ("'t Hooft", "ORG"),
        ("Dorn", "PERSON"),
        ("Velmaran navy", "NORP"),
    ]
    entities = [
        Entity(id="kral", name="Stefan Kral", label="PERSON", aliases=["S. Kral", "Kral"]),
        Entity(id="un", name="United Nations", label="ORG", aliases=["U.N.", "UN"]),
    ]
    keys = SpeakerKeys(entities)
    article = Article(id="a", text="x", outlet="Wire")
    speakers = {}
    for position, (name, kind) in enumerate(names):
        said = Statement(
            id=f"s{position}",
            article_id="a",
            content=Span.of(article.text, 0, 1),
            kind="indirect",
            speaker_name=name,
            speaker_type=kind,
            speaker_entity_id="un" if name.startswith("U.N.") else None,
        )
        speakers[(name, kind)] = said
    index = _SpeakerIndex(keys, speakers)
    words = [
        "Dorn", "Dornbusch", "dorn's", "Kral", "S. Kral", "O'Neil", "O’Neil", "Moreau",
        "Jean-Luc", "Nováková", "U.N.-led", "UN", "United Nations", "Interior Ministry",
        "'t Hooft", "isn't Hooft", "Hooft", "Velmaran", "navy", "denied", "the", "claims", ",", ".",
    ]  # fmt: skip
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        expected = {key for key, said in speakers.items() if keys.mentions(text, said)}
        assert index.named_in(text) == expected, text


def test_units_own_similarities_read_together_are_bit_for_bit_those_read_one_by_one():
    from crosswire import claims as claims_module
    from crosswire.models import load_embedder
    from crosswire.settings import load_settings

    articles, said = big_story_statements()
    units, _, parses = claims_module._story_units(said, 4)
    vectors = np.asarray(load_embedder().encode([u.text for u in units]), dtype=np.float32)
    speakers = [u.statement.speaker_name or f"narrator {u.statement.id}" for u in units]
    thresholds = claims_module.load_claim_thresholds(load_settings().embedding_model)
    evidence = claims_module._unit_evidence(units, parses, speakers)
    rng = np.random.default_rng(3)
    followers = []
    for unit in rng.integers(0, len(units), 40).tolist():
        here = rng.choice(len(units), int(rng.integers(1, min(12, len(units)))), replace=False)
        followers.append((unit, np.unique(np.append(here, unit))))
    batch = claims_module.OWN_BATCH_COLUMNS
    for columns in (batch, 7):
        claims_module.OWN_BATCH_COLUMNS = columns
        try:
            found = list(claims_module._own_similarities(evidence, vectors, thresholds, followers))
        finally:
            claims_module.OWN_BATCH_COLUMNS = batch
        for (unit, here), (columns_read, values) in zip(followers, found, strict=True):
            alone = claims_module._similarity_rows(
                evidence, vectors, thresholds, np.array([unit]), here
            )[0]
            assert np.array_equal(columns_read, here)
            assert np.array_equal(values, alone)  # bit for bit, not merely close


def test_readers_with_the_packaged_lexicons_read_each_text_once_and_give_fresh_lists():
    from dataclasses import replace as changed

    from crosswire.claims import casualty_counts, find_quantities, load_claim_lexicons

    text = "Three workers were injured when 14 drones struck the depot."
    packaged = load_claim_lexicons()
    for read in (find_quantities, casualty_counts):
        first = read(text)
        assert isinstance(first, list) and first
        assert first == read(text, packaged)
        first.clear()  # a caller's change to the list it got must not reach the next caller
        assert read(text) == read(text, changed(packaged))  # other lexicons: read afresh
        assert read(text)
