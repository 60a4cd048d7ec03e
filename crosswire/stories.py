"""Group articles into stories: near-duplicate copies, same-event clusters, missing years.

Near-duplicates (wire copies, republished articles) are found with MinHash LSH over word
shingles. Stories are clusters of articles about one event across outlets and days: sentence
embeddings of title and lead, plus the overlap of named entities, joined by average linkage over
a sparse neighbour graph (exact neighbours for small batches, a faiss inverted-file index for
large ones), so clustering stays sub-quadratic. Dated groups further apart than a time window
never join; undated articles skip the window.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date as Date
from importlib import resources
from typing import Any

import numpy as np

from crosswire.records import Article, Mention, Story, stable_id

SHINGLE_WORDS = 5
MINHASH_PERMUTATIONS = 128
DUPLICATE_JACCARD = 0.7
EXACT_NEIGHBOUR_LIMIT = 5000  # above this many articles, neighbours come from an IVF index
# Inverted-file index sizes, measured on benchmarks/bench_stories.py (see benchmarks/RESULTS.md):
# 4·sqrt(n) k-means cells (the low end of faiss's 4-16·sqrt(n) guidance; cost grows as n^1.5),
# trained for 10 rounds on at most 64 articles a cell; each article is compared with the
# members of its 24 nearest cells, the knee of B-cubed against search time at 100k articles.
IVF_CELLS_PER_ROOT = 4
IVF_PROBES = 24
IVF_TRAINING_ROUNDS = 10
IVF_TRAINING_POINTS_PER_CELL = 64
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT"})
PARTIAL_DATE_NEIGHBOUR_DAYS = 3
LEXICAL_DIMENSIONS = 200
EDGE_MARGIN = 0.15
MIN_LEXICAL_BATCH = 50
_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+")


def load_story_thresholds(model_name: str) -> dict[str, float]:
    """Return the clustering thresholds tuned for one embedding model."""
    text = resources.files("crosswire.data").joinpath("story_thresholds.json").read_text("utf-8")
    table = json.loads(text)
    if model_name not in table:
        raise KeyError(
            f"no story thresholds for embedding model {model_name!r} in story_thresholds.json"
        )
    return dict(table[model_name])


# ---------------------------------------------------------------- duplicates


def _shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@functools.lru_cache(maxsize=1 << 16)
def _shingle_hash(shingle: str) -> int:
    """datasketch's default hash of a shingle's UTF-8 (``sha1_hash32``), once per shingle:
    copies, wire stories and stock phrases repeat shingles (the 1,000 benchmark articles have
    192,750 shingles, 39,190 of them distinct)."""
    from datasketch.hashfunc import sha1_hash32

    return sha1_hash32(shingle.encode("utf-8"))


def _chronological(articles: list[Article]) -> list[Article]:
    """Order articles earliest first; undated ones keep their input order after dated ones."""
    order = {article.id: index for index, article in enumerate(articles)}
    return sorted(articles, key=lambda a: (a.date is None, a.date or "", order[a.id]))


@functools.cache
def _minhash_permutations() -> tuple[Any, str]:
    """Return a default MinHash's permutations and scheme, drawn once, not once per article."""
    from datasketch import MinHash

    template = MinHash(num_perm=MINHASH_PERMUTATIONS)
    template.permutations.setflags(write=False)  # shared by every signature from now on
    return template.permutations, template.scheme


def find_duplicates(
    articles: list[Article], *, threshold: float = DUPLICATE_JACCARD
) -> dict[str, str]:
    """Map each near-duplicate copy's id to its original's id (earliest date, else first seen)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=MINHASH_PERMUTATIONS)
    permutations, scheme = _minhash_permutations()
    signatures: dict[str, Any] = {}
    seen: dict[str, int] = {}  # each original's place in the order they were read
    copies: dict[str, str] = {}
    for article in _chronological(list(articles)):
        if article.id in signatures or article.id in copies:
            continue
        shingles = _shingles(article.text)
        if not shingles:
            continue
        signature = MinHash(
            num_perm=MINHASH_PERMUTATIONS,
            permutations=permutations,
            scheme=scheme,
            hashfunc=_shingle_hash,
        )
        signature.update_batch(shingles)
        matches = [m for m in lsh.query(signature) if signature.jaccard(signatures[m]) >= threshold]
        if matches:
            # LSH answers in set order, which changes with the hash seed: on equal similarity,
            # the earliest original wins, so the same corpus always gives the same copies
            best = max(matches, key=lambda m: (signature.jaccard(signatures[m]), -seen[m]))
            copies[article.id] = best
            continue
        seen[article.id] = len(seen)
        signatures[article.id] = signature
        lsh.insert(article.id, signature)
    return copies


# ---------------------------------------------------------------- embeddings and entities


def story_text(article: Article, lead_chars: int) -> str:
    """Return the text embedded for clustering: the title and the lead of the body."""
    lead = article.text[:lead_chars]
    return f"{article.title}. {lead}" if article.title else lead


def lexical_vectors(texts: list[str], dimensions: int = LEXICAL_DIMENSIONS) -> np.ndarray | None:
    """Return unit TF-IDF vectors of the batch reduced by SVD (None when the batch is too small)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(texts) < 3:
        return None
    # Only a large batch says which words are too common to tell events apart.
    max_df = 0.5 if len(texts) >= 50 else 1.0
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", max_df=max_df)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every word is a stop word or too common
        return None
    components = min(dimensions, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if components < 1:
        return None
    reduced = TruncatedSVD(components, random_state=0).fit_transform(matrix)
    return reduced / np.maximum(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12)


def article_vectors(
    articles: list[Article], embedder: Any, thresholds: dict[str, float]
) -> np.ndarray:
    """Return one unit vector per article: weighted sentence embedding and lexical (TF-IDF) parts.

    The dot product of two such vectors is the weighted sum of their embedding cosine and their
    TF-IDF cosine, so average linkage over them stays exact. The TF-IDF part is fitted on the
    batch: rare shared words (names, places, numbers) tell events apart where embeddings only
    see the topic.
    """
    if not articles:
        return np.zeros((0, 1), dtype=np.float32)
    lead_chars = int(thresholds["lead_chars"])
    semantic = np.asarray(
        embedder.encode([story_text(a, lead_chars) for a in articles]), dtype=np.float32
    ).reshape(len(articles), -1)
    weight = float(thresholds.get("lexical_weight", 0.0))
    if len(articles) < MIN_LEXICAL_BATCH:
        weight = 0.0  # word rarity means little in a handful of texts
    lexical = lexical_vectors([f"{a.title or ''} {a.text}" for a in articles]) if weight else None
    if lexical is None:
        lexical = np.zeros((len(articles), LEXICAL_DIMENSIONS), dtype=np.float32)
        weight = 0.0
    padded = np.zeros((len(articles), LEXICAL_DIMENSIONS), dtype=np.float32)
    padded[:, : lexical.shape[1]] = lexical
    combined = np.hstack([np.sqrt(1 - weight) * semantic, np.sqrt(weight) * padded])
    return combined.astype(np.float32)


def entity_profiles(mentions: list[Mention]) -> dict[str, Counter]:
    """Count the named entities each article mentions (canonical id, else lower-cased name)."""
    profiles: dict[str, Counter] = {}
    for mention in mentions:
        if mention.label not in ENTITY_LABELS or mention.kind not in ("name", "metonym"):
            continue
        key = mention.entity_id or " ".join(mention.span.text.lower().split())
        profiles.setdefault(mention.article_id, Counter())[key] = 1
    return profiles


def _profile_cosine(left: Counter, right: Counter) -> float:
    if not left or not right:
        return 0.0
    dot = sum(count * right[key] for key, count in left.items() if key in right)
    if not dot:
        return 0.0
    left_norm = sum(c * c for c in left.values()) ** 0.5
    right_norm = sum(c * c for c in right.values()) ** 0.5
    return dot / (left_norm * right_norm)


def _days(iso: str | None) -> int | None:
    if not iso:
        return None
    try:
        return Date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return None


# ---------------------------------------------------------------- neighbours


def nearest_neighbour_pairs(
    vectors: np.ndarray,
    neighbours: int,
    seed: int = 0,
    *,
    exact_limit: int = EXACT_NEIGHBOUR_LIMIT,
) -> np.ndarray:
    """Return candidate pairs (i, j, cosine) of likely neighbours without comparing all pairs.

    Up to ``exact_limit`` rows get exact top-k neighbours in blocks; more get approximate ones
    from an inverted-file index (``_ivf_pairs``), which finds nearly all of them.
    """
    count = len(vectors)
    if count < 2:
        return np.zeros((0, 3))
    if count <= exact_limit:
        return _exact_pairs(vectors, neighbours)
    return _ivf_pairs(vectors, neighbours, seed)


def _top_pairs(block: np.ndarray, rows: np.ndarray, columns: np.ndarray, k: int) -> np.ndarray:
    """Keep each row's k most similar columns (excluding itself)."""
    scores = block.copy()
    scores[rows[:, None] == columns[None, :]] = -np.inf
    k = min(k, scores.shape[1] - 1) if scores.shape[1] > 1 else 0
    if k <= 0:
        return np.zeros((0, 3))
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    left = np.repeat(rows, k)
    right = columns[top.ravel()]
    sims = np.take_along_axis(scores, top, axis=1).ravel()
    keep = np.isfinite(sims)
    return np.stack([left[keep], right[keep], sims[keep]], axis=1)


def _exact_pairs(vectors: np.ndarray, neighbours: int, block_size: int = 1024) -> np.ndarray:
    everyone = np.arange(len(vectors))
    parts = []
    for start in range(0, len(vectors), block_size):
        rows = everyone[start : start + block_size]
        parts.append(_top_pairs(vectors[rows] @ vectors.T, rows, everyone, neighbours))
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def _canonical_order(vectors: np.ndarray) -> np.ndarray:
    """Order rows by their bytes, so that an index built in this order ignores the input order."""
    rows = np.ascontiguousarray(vectors)
    as_bytes = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    return np.argsort(as_bytes, kind="stable")


def _ivf_pairs(vectors: np.ndarray, neighbours: int, seed: int) -> np.ndarray:
    """Return each row's approximate top-k neighbours from a faiss inverted-file index.

    k-means splits the vectors into cells; each row is compared only with the members of its
    nearest cells, so the cost grows as n^1.5, not n^2. Members of one story sit around one
    direction and share cells, so nearly all true neighbours are found (random-hyperplane
    LSH, used before, caught a pair of 0.6 cosine in 9% of cases at 100k articles).

    The pairs depend only on the vectors and the seed, not on the rows' order (rows with the
    same bytes aside): the index is built from the rows in the order of their bytes, on one
    thread, so local and Dask runs agree.
    """
    import faiss
    from threadpoolctl import threadpool_limits

    count, dims = vectors.shape
    order = _canonical_order(vectors)
    data = np.ascontiguousarray(vectors[order], dtype=np.float32)
    cells = max(1, int(round(IVF_CELLS_PER_ROOT * np.sqrt(count))))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dims), dims, cells, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.cp.niter = IVF_TRAINING_ROUNDS
    index.cp.max_points_per_centroid = IVF_TRAINING_POINTS_PER_CELL
    index.cp.min_points_per_centroid = 1  # small cells are meant: silence faiss's warning
    index.nprobe = min(IVF_PROBES, cells)
    with threadpool_limits(limits=1):
        index.train(data)
        index.add(data)
        sims, found = index.search(data, neighbours + 1)
    rows = np.arange(count)[:, None]
    keep = (found >= 0) & (found != rows)
    keep &= np.cumsum(keep, axis=1) <= neighbours
    left = np.broadcast_to(rows, found.shape)[keep]
    pairs = np.stack([order[left], order[found[keep]], sims[keep]], axis=1)
    return pairs[np.argsort(pairs[:, 0], kind="stable")]


# ---------------------------------------------------------------- average linkage


@dataclass
class _Group:
    """A growing cluster: vector sum (for average linkage), entity counts and day range."""

    members: list[int]
    vector_sum: np.ndarray
    entities: Counter = field(default_factory=Counter)
    first_day: int | None = None
    last_day: int | None = None

    def absorb(self, other: _Group) -> None:
        self.members.extend(other.members)
        self.vector_sum = self.vector_sum + other.vector_sum
        self.entities.update(other.entities)
        days = [d for d in (self.first_day, other.first_day) if d is not None]
        self.first_day = min(days) if days else None
        days = [d for d in (self.last_day, other.last_day) if d is not None]
        self.last_day = max(days) if days else None


def _gap_days(left: _Group, right: _Group) -> int:
    """Return the days between two groups' date ranges (0 when they overlap or one is undated)."""
    if left.first_day is None or right.first_day is None:
        return 0
    return max(0, left.first_day - right.last_day, right.first_day - left.last_day)


def _linkage(left: _Group, right: _Group, entity_weight: float, day_penalty: float = 0.0) -> float:
    """Return mean pairwise cosine of two groups plus the weighted entity-profile cosine.

    Each day between the groups' date ranges costs ``day_penalty``: follow-up events of one
    conflict read alike, and their dates are what tells them apart.
    """
    mean_cosine = float(left.vector_sum @ right.vector_sum) / (
        len(left.members) * len(right.members)
    )
    entities = _profile_cosine(left.entities, right.entities)
    return mean_cosine + entity_weight * entities - day_penalty * _gap_days(left, right)


def _too_far_apart(left: _Group, right: _Group, window_days: float) -> bool:
    if left.first_day is None or right.first_day is None:
        return False
    return _gap_days(left, right) > window_days


def _agglomerate(
    groups: list[_Group], pairs: np.ndarray, thresholds: dict[str, float]
) -> list[int]:
    """Join groups along candidate pairs, best first, while their linkage stays above threshold.

    Return for each group the index of the group it ended in.
    """
    parent = list(range(len(groups)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    # A pair far below the merge threshold seldom ends up inside one average-linkage group.
    floor = thresholds["merge"] - thresholds.get("edge_margin", EDGE_MARGIN)
    pairs = pairs[pairs[:, 2] >= floor] if len(pairs) else pairs
    order = np.argsort(-pairs[:, 2], kind="stable") if len(pairs) else []
    for left, right, _ in pairs[order].tolist():
        a, b = root(int(left)), root(int(right))
        if a == b:
            continue
        if _too_far_apart(groups[a], groups[b], thresholds["window_days"]):
            continue
        if (
            _linkage(
                groups[a],
                groups[b],
                thresholds["entity_weight"],
                thresholds.get("day_penalty", 0.0),
            )
            < thresholds["merge"]
        ):
            continue
        if len(groups[a].members) < len(groups[b].members):
            a, b = b, a
        groups[a].absorb(groups[b])
        parent[b] = a
    return [root(i) for i in range(len(groups))]


# ---------------------------------------------------------------- stories


def _first_sentence(text: str, limit: int = 120) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


def representative_index(
    vectors: np.ndarray, eligible: list[bool] | None = None, tolerance: float = 1e-4
) -> int:
    """Index of the row closest to all the others: a story's title, a claim's label.

    Only ``eligible`` rows can be picked (all by default, or when none is). Rows within
    ``tolerance`` of the closest tie, and a tie goes to the first (the earliest), so float noise
    cannot pick: two rows, for one, are always equally close to each other.
    """
    closeness = vectors @ vectors.sum(0)
    if eligible is not None and any(eligible):
        closeness = np.where(np.asarray(eligible), closeness, -np.inf)
    return int(np.flatnonzero(closeness >= closeness.max() - tolerance)[0])


def _story_title(members: list[Article], vectors: np.ndarray) -> str:
    """Title the story with the most central member's title (else its first sentence).

    Members are ranked earliest first (then by id), never in the order they arrived in, so a
    tie, or float noise in a read-back vector, gives the same articles the same title: the two
    members of a two-article story are always equally central.
    """
    order = sorted(
        range(len(members)),
        key=lambda i: (members[i].date is None, members[i].date or "", members[i].id),
    )
    titled = [bool(members[i].title) for i in order]
    best = members[order[representative_index(vectors[order], titled)]]
    return best.title.strip() if best.title else _first_sentence(best.text)


class _Copies:
    """The near-duplicate copies ``find_duplicates`` found, looked up by original or by copy.

    A story asks for its own copies only; scanning every copy for each story made building
    the stories grow with the square of the corpus.
    """

    def __init__(self, original_of: dict[str, str]) -> None:
        self.original_of = original_of
        self.found_order = {copy: place for place, copy in enumerate(original_of)}
        self.by_original: dict[str, list[str]] = defaultdict(list)
        for copy, original in original_of.items():
            self.by_original[original].append(copy)

    def copies_of(self, originals: Iterable[str]) -> list[str]:
        """Return the copies of these originals, in the order they were found."""
        found = [c for o in set(originals) for c in self.by_original.get(o, ())]
        return sorted(found, key=self.found_order.__getitem__)

    def among(self, ids: Iterable[str]) -> dict[str, str]:
        """Map the copies among ``ids`` to their originals, copies in id order."""
        return {c: self.original_of[c] for c in sorted(set(ids)) if c in self.original_of}


def _build_story(story_id: str, members: list[Article], copies: _Copies, title: str) -> Story:
    ordered = _chronological(members)
    dates = sorted(a.date for a in members if a.date)
    outlets = list(dict.fromkeys(a.outlet for a in ordered if a.outlet))
    return Story(
        id=story_id,
        title=title,
        article_ids=[a.id for a in ordered],
        duplicates=copies.among(a.id for a in members),
        outlets=outlets,
        date_range=[dates[0], dates[-1]] if dates else [None, None],
    )


def _groups_for(
    articles: list[Article], vectors: np.ndarray, profiles: dict[str, Counter]
) -> list[_Group]:
    groups = []
    for index, article in enumerate(articles):
        day = _days(article.date)
        groups.append(
            _Group(
                members=[index],
                vector_sum=vectors[index].astype(np.float64),
                entities=Counter(profiles.get(article.id, {})),
                first_day=day,
                last_day=day,
            )
        )
    return groups


def cluster_vectors(
    vectors: np.ndarray,
    thresholds: dict[str, float],
    *,
    profiles: list[Counter] | None = None,
    days: list[int | None] | None = None,
) -> list[int]:
    """Cluster unit vectors by average linkage over a neighbour graph; return a label per row."""
    count = len(vectors)
    groups = [
        _Group(
            members=[i],
            vector_sum=vectors[i].astype(np.float64),
            entities=Counter(profiles[i]) if profiles else Counter(),
            first_day=days[i] if days else None,
            last_day=days[i] if days else None,
        )
        for i in range(count)
    ]
    pairs = nearest_neighbour_pairs(vectors, int(thresholds["neighbours"]))
    return _agglomerate(groups, pairs, thresholds)


def cluster_stories(
    articles: list[Article],
    mentions: list[Mention],
    previous: list[Story] | None = None,
    *,
    embedder: Any = None,
    model_name: str | None = None,
    thresholds: dict[str, float] | None = None,
) -> list[Story]:
    """Group articles about the same event into stories, keeping earlier stories' assignments.

    With ``previous`` stories, articles already in one stay there; new articles are clustered
    among themselves and each new cluster joins the previous story whose centroid it matches
    (average linkage, same threshold), or becomes a new story. Copies found by
    ``find_duplicates`` always join their original's story.
    """
    from crosswire.models import load_embedder
    from crosswire.settings import load_settings

    model_name = model_name or load_settings().embedding_model
    thresholds = thresholds or load_story_thresholds(model_name)
    embedder = embedder or load_embedder(model_name)
    previous = list(previous or [])
    articles = _chronological(list({a.id: a for a in articles}.values()))
    by_id = {a.id: a for a in articles}
    assigned = {aid: story.id for story in previous for aid in story.article_ids}

    duplicates = find_duplicates(articles)
    fresh = [a for a in articles if a.id not in assigned and a.id not in duplicates]
    known = [a for a in articles if a.id in assigned and a.id not in duplicates]
    embedded = fresh + known
    vectors = article_vectors(embedded, embedder, thresholds)
    vector_of = {a.id: vectors[i] for i, a in enumerate(embedded)}
    profiles = entity_profiles(mentions)

    groups = _groups_for(fresh, vectors[: len(fresh)], profiles)
    pairs = nearest_neighbour_pairs(vectors[: len(fresh)], int(thresholds["neighbours"]))
    labels = _agglomerate(groups, pairs, thresholds)
    new_clusters: dict[int, list[Article]] = {}
    for index, label in enumerate(labels):
        new_clusters.setdefault(label, []).append(fresh[index])

    old_members: dict[str, list[Article]] = {s.id: [] for s in previous}
    for article in known:
        old_members[assigned[article.id]].append(article)
    old_groups = _GroupsByDay(
        _previous_groups(previous, old_members, vector_of, profiles, embedder, thresholds),
        thresholds["window_days"],
    )

    for label, members in new_clusters.items():
        target = _best_previous(groups[label], old_groups, thresholds)
        if target is not None:
            old_members[target].extend(members)
            old_groups.absorb(target, groups[label])
            continue
        story_id = stable_id(_chronological(members)[0].id, prefix="t")
        old_members[story_id] = members
        old_groups.add(story_id, groups[label])

    prior_of = {s.id: s for s in previous}
    copies = _Copies(duplicates)
    stories = []
    for story_id, members in old_members.items():
        story = _story_from_members(
            story_id, members, prior_of.get(story_id), by_id, vector_of, copies
        )
        if story is not None:
            stories.append(story)
    return stories


def _previous_groups(
    previous: list[Story],
    old_members: dict[str, list[Article]],
    vector_of: dict[str, np.ndarray],
    profiles: dict[str, Counter],
    embedder: Any,
    thresholds: dict[str, float],
) -> dict[str, _Group]:
    """Summarise each previous story from its members present now (else from its title)."""
    groups: dict[str, _Group] = {}
    for story in previous:
        members = old_members[story.id]
        if members:
            stacked = np.stack([vector_of[a.id] for a in members]).astype(np.float64)
        else:
            stacked = _title_vector(story.title, embedder, thresholds)
        entities: Counter = Counter()
        for article in members:
            entities.update(profiles.get(article.id, {}))
        days = [d for d in map(_days, story.date_range) if d is not None]
        groups[story.id] = _Group(
            members=list(range(len(stacked))),
            vector_sum=stacked.sum(axis=0),
            entities=entities,
            first_day=min(days) if days else None,
            last_day=max(days) if days else None,
        )
    return groups


def _title_vector(title: str, embedder: Any, thresholds: dict[str, float]) -> np.ndarray:
    """Embed a story title so that its dot product with article vectors is the embedding cosine.

    Article vectors carry the embedding scaled by sqrt(1 - lexical_weight); the title has no
    lexical part, so its embedding is scaled up by the inverse.
    """
    semantic = np.asarray(embedder.encode([title]), dtype=np.float64).reshape(1, -1)
    scale = 1.0 / np.sqrt(max(1.0 - float(thresholds.get("lexical_weight", 0.0)), 1e-6))
    lexical = np.zeros((1, LEXICAL_DIMENSIONS))
    return np.hstack([scale * semantic, lexical])


class _GroupsByDay:
    """Stories' groups in the order they were added, found by the days their dates cover.

    A new cluster can join only a story less than the window apart (``_too_far_apart``), so
    it is compared with the stories covering a day of its own range widened by the window,
    and with the undated ones, not with every story: comparing each new cluster with every
    story made an update grow with the square of the corpus.
    """

    def __init__(self, groups: dict[str, _Group], window_days: float) -> None:
        self.window = int(np.floor(window_days))
        self.groups: dict[str, _Group] = {}
        self.place: dict[str, int] = {}
        self.undated: list[str] = []
        self.by_day: dict[int, list[str]] = defaultdict(list)
        for story_id, group in groups.items():
            self.add(story_id, group)

    def add(self, story_id: str, group: _Group) -> None:
        self.groups[story_id] = group
        self.place[story_id] = len(self.place)
        if group.first_day is None:
            self.undated.append(story_id)
        else:
            self._index(story_id, range(group.first_day, group.last_day + 1))

    def absorb(self, story_id: str, other: _Group) -> None:
        """Grow a story's group by a new cluster, indexing the days it covers now."""
        group = self.groups[story_id]
        covered = (
            range(0) if group.first_day is None else range(group.first_day, group.last_day + 1)
        )
        group.absorb(other)
        if group.first_day is not None:
            days = range(group.first_day, group.last_day + 1)
            self._index(story_id, [d for d in days if d not in covered])

    def _index(self, story_id: str, days: Iterable[int]) -> None:
        for day in days:
            self.by_day[day].append(story_id)

    def near(self, group: _Group) -> list[tuple[str, _Group]]:
        """Return the groups not too far apart from ``group``, in the order they were added."""
        if group.first_day is None:
            ids: set[str] = set(self.groups)
        else:
            ids = set(self.undated)
            for day in range(group.first_day - self.window, group.last_day + self.window + 1):
                ids.update(self.by_day.get(day, ()))
        return [(i, self.groups[i]) for i in sorted(ids, key=self.place.__getitem__)]


def _best_previous(
    group: _Group, old_groups: _GroupsByDay, thresholds: dict[str, float]
) -> str | None:
    best, best_score = None, thresholds["merge"]
    for story_id, old in old_groups.near(group):
        if _too_far_apart(group, old, thresholds["window_days"]):
            continue
        score = _linkage(
            group, old, thresholds["entity_weight"], thresholds.get("day_penalty", 0.0)
        )
        if score >= best_score:
            best, best_score = story_id, score
    return best


def _story_from_members(
    story_id: str,
    members: list[Article],
    prior: Story | None,
    by_id: dict[str, Article],
    vector_of: dict[str, np.ndarray],
    copies: _Copies,
) -> Story | None:
    """Build a story from its members (and its earlier version ``prior``, whose title stays)."""
    title = prior.title if prior is not None else None
    member_ids = [a.id for a in members]
    if prior is not None:
        member_ids = list(dict.fromkeys(prior.article_ids + member_ids))
    member_ids += copies.copies_of(member_ids)
    member_ids = list(dict.fromkeys(member_ids))
    present = [by_id[i] for i in member_ids if i in by_id]
    if not present:
        return prior
    if not title:
        with_vectors = [a for a in present if a.id in vector_of] or present[:1]
        vectors = np.stack([vector_of.get(a.id, np.ones(1)) for a in with_vectors])
        title = _story_title(with_vectors, vectors)
    story = _build_story(story_id, present, copies, title)
    if prior is not None:
        missing = [i for i in prior.article_ids if i not in by_id]
        story.article_ids = missing + story.article_ids
        story.outlets = list(dict.fromkeys(prior.outlets + story.outlets))
        story.duplicates = {**prior.duplicates, **story.duplicates}
        dates = sorted(d for d in [*prior.date_range, *story.date_range] if d)
        story.date_range = [dates[0], dates[-1]] if dates else [None, None]
    return story


# ---------------------------------------------------------------- missing years


def infer_missing_dates(articles: list[Article], stories: list[Story]) -> list[Article]:
    """Give articles dated only "--MM-DD" the year of a dated article of the same story.

    Prefer a dated member whose month and day agree; else take the year that puts the partial
    date within a few days of the nearest dated member. Return updated copies (others as given).
    """
    by_id = {a.id: a for a in articles}
    story_of = {aid: story for story in stories for aid in story.article_ids}
    updated = []
    for article in articles:
        if article.date or not article.date_partial or article.id not in story_of:
            updated.append(article)
            continue
        dated = [
            by_id[aid].date
            for aid in story_of[article.id].article_ids
            if aid in by_id and by_id[aid].date
        ]
        year = _year_for(article.date_partial, dated)
        if year is None:
            updated.append(article)
            continue
        month_day = article.date_partial.lstrip("-")
        updated.append(replace(article, date=f"{year:04d}-{month_day}", date_inferred=True))
    return updated


def _year_for(partial: str, dated: list[str]) -> int | None:
    month_day = partial.lstrip("-")
    for iso in dated:
        if iso[5:10] == month_day:
            return int(iso[:4])
    best: tuple[int, int] | None = None
    for iso in dated:
        known = Date.fromisoformat(iso[:10])
        for year in (known.year - 1, known.year, known.year + 1):
            try:
                candidate = Date.fromisoformat(f"{year:04d}-{month_day}")
            except ValueError:
                continue
            gap = abs((candidate - known).days)
            if gap <= PARTIAL_DATE_NEIGHBOUR_DAYS and (best is None or gap < best[0]):
                best = (gap, year)
    return best[1] if best else None
