"""Pattern keys: one int64 per respondent coding (answered-items mask, raw score), the
sufficient statistic of the Rasch model, computed without a loop over respondents."""
from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------
# Pattern keys.  key = missing_mask * (3k + 1) + sum_i (code_i & 3), where missing_mask bit i
# = item i missing.  A missing code (-1 = 0xFF) adds 3 to the sum, so
#     raw score = key % (3k + 1) - 3 * (number missing)
# and the key is a one-to-one code of (answered-items mask, raw score) in 0 .. 2^k (3k+1).
# --------------------------------------------------------------------------------------
_L = np.uint64(0x0101010101010101)
_GATHER = np.uint64(0x0102040810204080)  # gathers the low bit of each byte into the top byte
_THREES = np.uint64(0x0303030303030303)
_SH7, _SH56 = np.uint64(7), np.uint64(56)


def _swar_word(w):
    """uint64 words holding 8 codes each (bytes 0..3, or 0xFF = missing) ->
    (missing mask, bit i = byte i missing; sum of (byte & 3)).  w may be a strided view;
    it is copied once to contiguous memory and then worked on in place."""
    tot = np.array(w, dtype=np.uint64, copy=True, order="C")
    miss = np.right_shift(tot, _SH7)
    miss &= _L
    miss *= _GATHER
    miss >>= _SH56
    tot &= _THREES
    tot *= _L
    tot >>= _SH56
    return miss, tot


def _tail_lut(nbytes):
    """For the last 1-2 bytes of a row (as uint16 little-endian, padding = 0xFF): the
    (missing mask << 8) * S contribution is added later; here missing bits and sum."""
    v = np.arange(1 << (8 * nbytes), dtype=np.int64)
    miss = np.zeros_like(v)
    tot = np.zeros_like(v)
    for j in range(nbytes):  # loop over bytes of a lookup table, not respondents
        byte = (v >> (8 * j)) & 0xFF
        miss |= (byte >> 7) << j
        tot += byte & 3
    return miss, tot


_TAIL_CACHE: dict = {}


def _keys_fast(r):
    """Keys for 8 <= k <= 16 items: the first 8 codes of each row as one uint64 (SWAR), the
    rest as one uint64 (k > 10) or through a 2^16-entry lookup table (k = 9, 10)."""
    n, k = r.shape
    s = np.int64(3 * k + 1)
    flat = np.ascontiguousarray(r).view(np.uint8).reshape(-1)
    if k == 8:
        miss, tot = _swar_word(flat.view(np.uint64))
        key = miss.view(np.int64)
        key *= s
        key += tot.view(np.int64)
        return key
    if k <= 10:
        nb = k - 8
        dt = np.dtype({"names": ["a", "b"], "formats": ["<u8", "<u%d" % nb], "offsets": [0, 8],
                       "itemsize": k})
        v = flat.view(dt)
        miss, tot = _swar_word(v["a"])
        if k not in _TAIL_CACHE:
            m2, t2 = _tail_lut(nb)
            _TAIL_CACHE[k] = (m2 << 8) * int(s) + t2
        key = miss.view(np.int64)
        key *= s
        key += tot.view(np.int64)
        key += np.take(_TAIL_CACHE[k], v["b"])
        return key
    dt = np.dtype({"names": ["a", "b"], "formats": ["<u8", "<u8"], "offsets": [0, k - 8],
                   "itemsize": k})
    v = flat.view(dt)
    miss, tot = _swar_word(v["a"])
    b = np.array(v["b"], copy=True)
    sh = 8 * (16 - k)
    if sh:  # drop the bytes shared with "a"; the zero bytes shifted in add nothing
        b >>= np.uint64(sh)
    mb, tb = _swar_word(b)
    mb <<= np.uint64(8)
    miss |= mb
    tot += tb
    key = miss.view(np.int64)
    key *= s
    key += tot.view(np.int64)
    return key


def _keys_generic(r):
    n, k = r.shape
    miss = r < 0
    tot = (r.astype(np.int64) & 3).sum(1)
    bits = np.packbits(miss, axis=1, bitorder="little").astype(np.int64)
    mask = np.zeros(n, dtype=np.int64)
    for j in range(bits.shape[1]):  # loop over bytes of the mask (k/8), not respondents
        mask |= bits[:, j] << (8 * j)
    return mask * (3 * k + 1) + tot


def pattern_keys(responses) -> np.ndarray:
    """(answered-items mask, raw score) key per respondent; see the comment above."""
    r = np.asarray(responses)
    if r.dtype != np.int8:
        r = r.astype(np.int8)
    k = r.shape[1]
    if k > 40:
        raise ValueError("at most 40 items per scale")
    if 8 <= k <= 16 and r.shape[0]:
        return _keys_fast(r)
    return _keys_generic(r)


def decode_keys(keys, k):
    """Keys -> (answered mask (u, k) bool, raw score (u,))."""
    s = 3 * k + 1
    keys = np.asarray(keys, dtype=np.int64)
    miss = ((keys // s)[:, None] >> np.arange(k)[None, :]) & 1
    score = keys % s - 3 * miss.sum(1)
    return miss == 0, score


