"""How crosswire loads its spaCy pipeline: the same annotations as stock spaCy, found faster."""

from __future__ import annotations

import pytest
import spacy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, TAG
from spacy.tokens import Doc, Span

from crosswire.ingest import read_paths
from crosswire.models import load_nlp
from crosswire.records import Article
from crosswire.settings import load_settings
from crosswire.spacy_lookups import IndexedRulerMatch, MemoisedLemmas
from crosswire.spacy_ner import (
    AGREEMENT_TEXTS,
    ArrayEntityDecoder,
    ArrayEntityRecognizer,
    use_array_ner,
)
from tests.conftest import DEMO

ANNOTATIONS = [POS, TAG, MORPH, LEMMA, DEP, HEAD, ENT_IOB, ENT_TYPE]


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    texts = [
        a.text for a in read_paths([DEMO / "corpus"]) if isinstance(a, Article) and a.is_english
    ]
    assert len(texts) > 10
    return texts


@pytest.fixture(scope="module")
def stock():
    """The English pipeline as spaCy loads it, without crosswire's changes."""
    return spacy.load(load_settings().spacy_pipeline)


def annotated_tokens(ours, theirs, texts: list[str]) -> int:
    """Assert that both pipelines annotate every token of ``texts`` alike; count the tokens."""
    tokens = 0
    for mine, stocks in zip(ours.pipe(texts), theirs.pipe(texts), strict=True):
        assert mine.to_array(ANNOTATIONS).tolist() == stocks.to_array(ANNOTATIONS).tolist()
        tokens += len(mine)
    return tokens


def test_crosswire_pipeline_annotates_like_the_stock_one(nlp, stock, demo_texts):
    assert type(stock.get_pipe("attribute_ruler").match) is not IndexedRulerMatch
    assert type(nlp.get_pipe("attribute_ruler").match) is IndexedRulerMatch
    assert isinstance(nlp.get_pipe("lemmatizer").pipe.__self__, MemoisedLemmas)
    assert isinstance(nlp.get_pipe("ner"), ArrayEntityRecognizer)
    assert annotated_tokens(nlp, stock, demo_texts) > 5000


def test_the_french_pipeline_annotates_like_the_stock_one():
    name = load_settings().french_pipeline
    ours = load_nlp(name)
    assert isinstance(ours.get_pipe("lemmatizer").pipe.__self__, MemoisedLemmas)
    assert isinstance(ours.get_pipe("ner"), ArrayEntityRecognizer)
    texts = [
        a.text
        for a in read_paths([DEMO / "corpus"])
        if isinstance(a, Article) and a.language == "fr"
    ]
    assert texts
    assert annotated_tokens(ours, spacy.load(name), texts) > 200


def test_indexed_matches_equal_the_rulers_own_on_the_english_rules(stock, demo_texts):
    ruler = stock.get_pipe("attribute_ruler")
    indexed = IndexedRulerMatch(ruler)
    # almost every rule is read by table; what is left to a matcher is a few regex rules
    assert len(indexed.rest) < 5
    with stock.select_pipes(enable=["tok2vec", "tagger", "parser"]):
        docs = list(stock.pipe(demo_texts))
    found = 0
    for doc in docs:
        matches = indexed(doc)
        assert matches == ruler.match(doc)
        found += len(matches)
    assert found > 5000


def hand_ruler():
    """A ruler with every kind of pattern: equality, IN, NOT_IN, REGEX, TEXT, booleans,
    several tokens, a negative index, an operator and two patterns under one rule."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"TAG": "NNS"}]], {"MORPH": "Number=Plur"})
    ruler.add([[{"TAG": "NNS", "LOWER": {"IN": ["drones", "boats"]}}]], {"LEMMA": "craft"})
    ruler.add(
        [[{"LOWER": {"IN": ["said", "told"]}, "DEP": {"NOT_IN": ["amod", ""]}}]], {"POS": "VERB"}
    )
    ruler.add([[{"TAG": "VBD", "LOWER": {"REGEX": "^den"}}]], {"LEMMA": "deny"})
    ruler.add([[{"LOWER": {"REGEX": "^y'?$"}}, {"LOWER": "all"}]], {"LEMMA": "you"}, index=0)
    ruler.add([[{"LOWER": "long"}, {"LOWER": "range"}]], {"LEMMA": "far"}, index=-1)
    ruler.add([[{"TEXT": "Kyiv"}], [{"TEXT": "Kiev"}]], {"LEMMA": "Kyiv"})
    ruler.add([[{"IS_SPACE": True, "DEP": {"NOT_IN": [""]}}]], {"POS": "SPACE"})
    ruler.add(
        [[{"TAG": "CD"}, {"TAG": "JJ", "OP": "?"}, {"TAG": "NNS"}]], {"MORPH": "NumType=Card"}
    )
    ruler.add([[{"TAG": "NNS"}]], {"MORPH": "Number=Plur|Case=Nom"})  # a later rule wins
    return nlp, ruler


def hand_doc(vocab) -> Doc:
    words = [
        "Y'",
        "all",
        "said",
        "91",
        "long",
        "range",
        "drones",
        "hit",
        "Kiev",
        "and",
        "Kyiv",
        "\n",
        "boats",
        "denied",
        "told",
        "den",
        "3",
        "boats",
    ]
    tags = [
        "PRP",
        "DT",
        "VBD",
        "CD",
        "JJ",
        "NN",
        "NNS",
        "VBD",
        "NNP",
        "CC",
        "NNP",
        "_SP",
        "NNS",
        "VBD",
        "VBN",
        "VBD",
        "CD",
        "NNS",
    ]
    deps = [
        "nsubj",
        "det",
        "ROOT",
        "nummod",
        "amod",
        "compound",
        "nsubj",
        "ccomp",
        "dobj",
        "cc",
        "conj",
        "dep",
        "nsubj",
        "conj",
        "amod",
        "dep",
        "nummod",
        "dobj",
    ]
    heads = [2, 0, 2, 6, 5, 6, 7, 2, 7, 8, 8, 10, 13, 7, 13, 13, 17, 13]
    spaces = [True] * len(words)
    return Doc(vocab, words=words, spaces=spaces, tags=tags, deps=deps, heads=heads)


def test_indexed_matches_equal_the_matchers_on_every_kind_of_pattern():
    nlp, ruler = hand_ruler()
    indexed = IndexedRulerMatch(ruler)
    assert len(indexed.rest) == 2  # the first-token regex and the operator
    doc = hand_doc(nlp.vocab)
    matches = indexed(doc)
    assert matches == ruler.match(doc)
    assert len(matches) > 12
    ruler.set_annotations(doc, matches)
    assert [t.lemma_ for t in doc][:9] == ["you", "", "", "", "", "far", "craft", "", "Kyiv"]
    assert doc[10].lemma_ == "Kyiv" and doc[13].lemma_ == "deny" and doc[15].lemma_ == "deny"
    assert [doc[2].pos_, doc[14].pos_, doc[11].pos_] == ["VERB", "", "SPACE"]
    assert str(doc[6].morph) == "Case=Nom|Number=Plur"
    assert str(doc[17].morph) == "Case=Nom|Number=Plur"  # the operator rule came earlier
    assert doc[17].lemma_ == "craft"


def test_a_pattern_longer_than_the_rest_of_the_doc_does_not_match():
    nlp, ruler = hand_ruler()
    doc = Doc(nlp.vocab, words=["boats", "long"], tags=["NNS", "JJ"])
    matches = IndexedRulerMatch(ruler)(doc)
    assert matches == ruler.match(doc)
    assert [(start, end) for _, _, start, end in matches] == [(0, 1), (0, 1), (0, 1)]


def test_loading_the_pipeline_freezes_its_objects_out_of_full_collections():
    import subprocess
    import sys

    script = (
        "import gc; from crosswire.models import load_nlp; before = gc.get_freeze_count(); "
        "nlp = load_nlp(); print(before, gc.get_freeze_count(), len(gc.get_objects()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    before, frozen, tracked = map(int, done.stdout.split())
    assert before == 0
    assert frozen > 50_000  # the vocabulary, tables and weights
    assert tracked < frozen / 10  # what a full collection still walks


HARD_ENTITY_TEXTS = [
    "",
    "Moscow",
    "Moscow.",
    "  \n\n  Vladimir Putin  \n\n told   Donald Trump in New York",
    "He met Vladimir Putin. Donald Trump left for Palm Beach, Florida. Maria Zakharova",
    "The Ministry of Defence of the Russian Federation and the Armed Forces of Ukraine said "
    "on Monday, December 29, 2025, that 91 long-range drones flew 300 kilometres.",
    "On Sunday. Monday! 40 per cent of $3 million went to the United Nations Security Council",
    "KYIV , Dec 29 ( Wirewatch ) - Ukraine 's President Volodymyr Zelenskiy said",
]


def unannotated(stock, texts: list[str]) -> list[Doc]:
    """``texts`` parsed by the stock pipeline up to its entity recogniser."""
    with stock.select_pipes(disable=["ner"]):
        return list(stock.pipe(texts))


def entities(docs: list[Doc]) -> list[list[tuple[int, int, str]]]:
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]


def test_the_array_decoder_finds_spacys_entities_in_hard_texts(stock):
    recognizer = stock.get_pipe("ner")
    decoder = ArrayEntityDecoder(recognizer)
    docs = unannotated(stock, HARD_ENTITY_TEXTS)
    theirs = [recognizer(doc.copy()) for doc in docs]
    for batch_size in (1, 3, 64):  # the docs of a batch are decoded together
        ours = list(decoder.pipe((doc.copy() for doc in docs), batch_size=batch_size))
        assert entities(ours) == entities(theirs)
        assert [d.to_array([ENT_IOB, ENT_TYPE]).tolist() for d in ours] == [
            d.to_array([ENT_IOB, ENT_TYPE]).tolist() for d in theirs
        ]
    found = entities(theirs)
    assert sum(map(len, found)) > 20
    assert any(end - start > 3 for doc in found for start, end, _ in doc)  # long names
    assert (0, 1, "GPE") in found[1]  # a one-token doc


def test_the_array_decoder_leaves_docs_with_preset_entities_to_spacy(stock):
    recognizer = stock.get_pipe("ner")
    texts = ["Yesterday Acme Widgets said 40 boats reached Kyiv on Monday."] * 2
    docs = unannotated(stock, texts)
    for doc in docs:
        doc.set_ents([Span(doc, 1, 3, label="PRODUCT")], default="unmodified")
    theirs = [recognizer(doc.copy()) for doc in docs]
    ours = list(ArrayEntityDecoder(recognizer).pipe(doc.copy() for doc in docs))
    assert entities(ours) == entities(theirs)
    assert (1, 3, "PRODUCT") in entities(ours)[0]  # kept, as spaCy keeps it


def test_a_decoder_that_disagrees_with_spacy_is_not_installed(monkeypatch):
    pipeline = spacy.load(load_settings().spacy_pipeline)
    monkeypatch.setattr(ArrayEntityDecoder, "_decode", lambda self, docs: [[] for _ in docs])
    use_array_ner(pipeline)
    assert type(pipeline.get_pipe("ner")).__name__ == "EntityRecognizer"
    monkeypatch.undo()
    use_array_ner(pipeline)
    assert isinstance(pipeline.get_pipe("ner"), ArrayEntityRecognizer)
    # the texts it is checked on hold entities of several tokens, where decoding can go wrong
    found = [e for doc in pipeline.pipe(AGREEMENT_TEXTS) for e in doc.ents]
    assert sum(len(e) > 1 for e in found) >= 5 and len({e.label_ for e in found}) >= 6
    assert not ArrayEntityDecoder.reads(pipeline.get_pipe("parser"))


def test_the_pipelines_layers_multiply_with_numpy_not_blis(nlp, stock):
    for name in ("tok2vec", "parser", "ner"):
        assert nlp.get_pipe(name).model.ops.use_blis is False
    assert stock.get_pipe("ner").model.ops.use_blis is True  # the switch stayed in load_nlp


def test_parsing_keeps_blas_to_one_thread_and_gives_the_threads_back(nlp):
    from threadpoolctl import threadpool_info, threadpool_limits

    from crosswire.parse import parse_articles

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    articles = [
        Article(id=f"a{i}", text=f"The minister said {i} boats were seized.") for i in range(3)
    ]
    with threadpool_limits(limits=2, user_api="blas"):
        seen = [blas_threads() for _ in parse_articles(articles)]
        after = blas_threads()
    assert seen == [{1}] * 3
    assert after == {2}


def test_an_open_entity_goes_on_only_when_in_outscores_last_or_ties_first(stock):
    import numpy as np

    decoder = ArrayEntityDecoder(stock.get_pipe("ner"))
    label = stock.vocab.strings["PERSON"]
    in_, last = decoder.in_of[label], decoder.last_of[label]
    scores = np.zeros(len(decoder.labels), dtype=np.float32)
    assert decoder._goes_on(scores, label) is bool(in_ < last)  # spaCy's argmax keeps the first
    scores[in_] = 1.0
    assert decoder._goes_on(scores, label) is True
    scores[last] = 2.0
    assert decoder._goes_on(scores, label) is False


def test_the_pipelines_recogniser_survives_pickling(nlp):
    import pickle

    recognizer = nlp.get_pipe("ner")
    copy = pickle.loads(pickle.dumps(recognizer))
    assert isinstance(copy, ArrayEntityRecognizer)
    assert copy.labels == recognizer.labels  # spaCy's own attributes, through the stand-in
    with nlp.select_pipes(disable=["ner"]):
        docs = list(nlp.pipe(HARD_ENTITY_TEXTS))
    ours = list(copy.pipe(doc.copy() for doc in docs))
    assert entities(ours) == entities(list(recognizer.pipe(doc.copy() for doc in docs)))
    assert sum(map(len, entities(ours))) > 20


def test_a_large_batch_is_decoded_a_part_at_a_time_with_the_same_entities(stock, monkeypatch):
    import crosswire.spacy_ner as spacy_ner

    recognizer = stock.get_pipe("ner")
    docs = unannotated(stock, HARD_ENTITY_TEXTS)
    theirs = entities([recognizer(doc.copy()) for doc in docs])
    decoded: list[tuple[int, int]] = []  # (docs, tokens) of each part
    decode = spacy_ner.ArrayEntityDecoder._decode
    monkeypatch.setattr(spacy_ner, "DECODE_TOKENS", 20)
    monkeypatch.setattr(
        spacy_ner.ArrayEntityDecoder,
        "_decode",
        lambda self, chunk: (
            decoded.append((len(chunk), sum(map(len, chunk)))) or decode(self, chunk)
        ),
    )
    ours = list(ArrayEntityDecoder(recognizer).pipe((doc.copy() for doc in docs), batch_size=64))
    assert entities(ours) == theirs
    assert len(decoded) > 3
    assert all(tokens <= 20 or count == 1 for count, tokens in decoded)  # a longer doc alone
    assert any(count > 1 for count, _ in decoded) and any(tokens > 20 for _, tokens in decoded)
