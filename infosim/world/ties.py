"""Social ties between households as a ring lattice plus exceptions, and counting contacts' products.

The ties are part of the world every behaviour reads (who listens to whom); they are built by
``infosim.population.network`` and counted here, once a month, for every product contacts notice.
"""

from __future__ import annotations

import numpy as np

BLOCK = 1 << 20  # rows per block while reading a dense contact array
COUNT_BLOCK = 1 << 16  # rows per block while counting (the block's arrays stay in cache)
_SPREAD = np.uint32(0x204081)  # x * _SPREAD puts bit b of a 4-bit x at bit 8b (and elsewhere)


def _blocks(n: int) -> range:
    return range(0, n, BLOCK)


_ONES = np.uint64(0x0101010101010101)


def peer_counts_of_bits(contacts: np.ndarray, bits: np.ndarray, nbits: int) -> list[np.ndarray]:
    """For each bit b < `nbits` of `bits`, how many of each household's contacts have it set (uint8).

    Several flags are packed as bits of one uint8 array, so one gather serves them all. With a
    degree that is a multiple of 8, each row of gathered bytes is read as uint64 words and bit b
    is counted with one AND and one popcount per word.
    """
    n, k = contacts.shape
    gathered = bits[contacts]
    if k % 8 == 0 and n and k <= 255:
        words = gathered.view(np.uint64)
        masked = np.empty_like(words)
        out = []
        for b in range(nbits):
            np.bitwise_and(words, _ONES << np.uint64(b), out=masked)
            if hasattr(np, "bitwise_count"):
                counts = np.bitwise_count(masked)
            else:  # numpy < 2.0: SWAR popcount of one bit per byte
                counts = ((masked >> np.uint64(b)) * _ONES >> np.uint64(56)).astype(np.uint8)
            out.append(counts.reshape(n) if k == 8 else counts.sum(axis=1, dtype=np.uint8))
        return out
    return [((gathered >> b) & 1).sum(axis=1, dtype=np.uint8) for b in range(nbits)]



class LatticeTies:
    """Contacts stored as a ring lattice (implicit) plus the ties that differ from it (explicit).

    Household i's j-th contact is ``i + offsets[j]`` except for the exceptions: rewired ties and
    ties that wrap around the end of a city. Counting the contacts that own something is then a
    window sum over neighbouring rows plus a correction for the exceptions, instead of a gather
    of ``n x degree`` indices, and the ties take less memory than the dense array.

    Args:
        contacts: an ``(n, degree)`` contact array (e.g. from :func:`small_world_contacts`).
        offsets: the lattice offsets (default: +1, -1, +2, -2, ... as in :func:`small_world_contacts`).
    """

    def __init__(self, contacts: np.ndarray, offsets: np.ndarray | None = None) -> None:
        n, degree = contacts.shape
        self.n, self.degree = n, degree
        self.offsets = lattice_offsets(degree) if offsets is None else np.asarray(offsets, dtype=np.int64)
        self.pad = int(np.abs(self.offsets).max()) if degree else 0
        rows, targets, replaced = [], [], []
        for lo in _blocks(n):
            block = contacts[lo : lo + BLOCK]
            lattice = np.arange(lo, lo + block.shape[0], dtype=np.int64)[:, None] + self.offsets
            r, c = np.nonzero(block != lattice)
            rows.append((lo + r).astype(np.intp))
            targets.append(block[r, c].astype(np.intp) + self.pad)
            replaced.append(lattice[r, c] + self.pad)
        empty = np.zeros(0, dtype=np.intp)
        self.rows = np.concatenate(rows) if rows else empty  # household of each exception (sorted)
        self.targets = np.concatenate(targets) if targets else empty  # its contact (+ pad)
        self.replaced = np.concatenate(replaced) if replaced else empty  # the lattice tie it replaces (+ pad)
        self._padded = np.zeros(n + 2 * self.pad, dtype=np.uint32)
        self._bits_padded = np.zeros(n + 2 * self.pad, dtype=np.uint8)
        self._block_bounds = np.searchsorted(self.rows, np.arange(0, n + COUNT_BLOCK, COUNT_BLOCK))

    def nbytes(self) -> int:
        """Memory held by the ties, bytes."""
        arrays = (self.rows, self.targets, self.replaced, self._padded, self._bits_padded, self._block_bounds)
        return sum(a.nbytes for a in arrays)

    def dense(self) -> np.ndarray:
        """The ``(n, degree)`` contact array these ties stand for."""
        contacts = (np.arange(self.n, dtype=np.int64)[:, None] + self.offsets).astype(np.int32)
        cols = _column_of_offset(self.offsets, self.replaced - self.pad - self.rows)
        contacts[self.rows, cols] = self.targets - self.pad
        return contacts

    def counts_of_bits(self, bits: np.ndarray, nbits: int, out: list[np.ndarray] | None = None) -> list[np.ndarray]:
        """For each bit b < `nbits` of uint8 `bits` (no higher bits set), how many contacts have it set (uint8).

        Same counts as :func:`peer_counts_of_bits` on the dense array. Bit b is spread to bit 8b
        of a uint32 (byte lanes that cannot carry into each other, counts being <= 255), summed
        over the lattice offsets, corrected for the exceptions, block by block. `out`: `nbits`
        uint8 arrays of length n to write the counts into (reused month after month), or None.
        """
        if nbits > 4 or self.degree > 255:
            counts = peer_counts_of_bits(self.dense(), bits, nbits)
            if out is None:
                return counts
            for target, count in zip(out, counts, strict=True):
                target[:] = count
            return out
        n, pad, padded, bits_padded = self.n, self.pad, self._padded, self._bits_padded
        lanes = np.uint32(0x01010101 & ((1 << (8 * nbits)) - 1))
        for lo in range(0, n, COUNT_BLOCK):
            hi = min(lo + COUNT_BLOCK, n)
            np.bitwise_and(np.multiply(bits[lo:hi], _SPREAD, dtype=np.uint32), lanes, out=padded[pad + lo : pad + hi])
        bits_padded[pad : pad + n] = bits
        if out is None:
            out = [np.empty(n, dtype=np.uint8) for _ in range(nbits)]
        for i, lo in enumerate(range(0, n, COUNT_BLOCK)):
            hi = min(lo + COUNT_BLOCK, n)
            first = pad + lo + self.offsets[0]
            total = padded[first : first + hi - lo].copy()
            for off in self.offsets[1:]:
                total += padded[pad + lo + off : pad + hi + off]
            e = slice(self._block_bounds[i], self._block_bounds[i + 1])
            if e.start < e.stop:  # exceptions: swap the lattice tie's bits for the actual contact's
                delta = self._spread(np.take(bits_padded, self.targets[e]), lanes)
                delta -= self._spread(np.take(bits_padded, self.replaced[e]), lanes)  # exact modulo 2**32
                np.add.at(total, self.rows[e] - lo, delta)
            for b in range(nbits):
                np.right_shift(total, np.uint32(8 * b), out=out[b][lo:hi], casting="unsafe")
        return out

    @staticmethod
    def _spread(bits: np.ndarray, lanes: np.uint32) -> np.ndarray:
        spread = np.multiply(bits, _SPREAD, dtype=np.uint32)
        spread &= lanes
        return spread


def lattice_offsets(degree: int) -> np.ndarray:
    """Ring-lattice offsets of the contacts: +1, -1, +2, -2, ... (and +half+1 for an odd degree)."""
    half = degree // 2
    offsets = np.array([o for k in range(1, half + 1) for o in (k, -k)][:degree], dtype=np.int64)
    if offsets.size < degree:
        offsets = np.append(offsets, half + 1)
    return offsets


def _column_of_offset(offsets: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Column j with ``offsets[j] == offset`` for each element of `offset`."""
    order = np.argsort(offsets)
    return order[np.searchsorted(offsets[order], offset)]
