"""Merkle trees as RFC 6962 and RFC 9162 (section 2.1) define them. Pure: no database.

Hashes are SHA-256. A leaf's hash is SHA-256(0x00 || entry), an interior node's
SHA-256(0x01 || left || right); the different prefixes stop a leaf from passing for a node.
The tree of n > 1 leaves splits at k, the largest power of two strictly smaller than n:
MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n])); the empty tree's hash is SHA-256("").

The proof algorithms (the RFC's PATH and SUBPROOF) are written over *ranges*:
``inclusion_ranges`` and ``consistency_ranges`` name the subtrees D[a:b] whose hashes make
the proof, without hashing anything. Every such range is a node of the tree, so it is made
of the *perfect* subtrees (2^level leaves starting at a multiple of 2^level) given by the
binary digits of its width (``perfect_blocks``). A store that keeps the hash of every
perfect subtree (``parley.transparency.log``) thus answers any proof, and any root, from
O(log n) stored hashes; ``Tree`` does the same in memory.

The verification functions follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 word for word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]  # D[a:b]: leaves a (included) to b (excluded)
NodeKey = tuple[int, int]  # (level, index): the perfect subtree D[index * 2^level : (index + 1) * 2^level]


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    if n < 2:
        raise ValueError("only a tree of two or more leaves splits")
    return 1 << ((n - 1).bit_length() - 1)


# --- ranges -------------------------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes are the audit path of leaf ``index`` in the tree of
    ``size`` leaves, leaf to root: RFC 6962's PATH(m, D[n])."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    out: list[Range] = []
    a, b = 0, size
    while b - a > 1:
        k = split(b - a)
        if index < a + k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a = a + k
    out.reverse()
    return out


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees whose hashes prove that the tree of ``first`` leaves is a prefix of the
    tree of ``second`` leaves: RFC 6962's PROOF(m, D[n]) = SUBPROOF(m, D[n], true).

    Empty when ``first`` is 0 or equals ``second`` (nothing to prove)."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} leaves to {second}")
    if first == 0 or first == second:
        return []
    out: list[Range] = []
    a, b, m, whole = 0, second, first, True
    while m != b - a:
        k = split(b - a)
        if m <= k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a, m, whole = a + k, m - k, False
    if not whole:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's own subtree is needed.
        out.append((a, b))
    out.reverse()
    return out


def perfect_blocks(a: int, b: int) -> list[NodeKey]:
    """The perfect subtrees that make the node D[a:b], left to right.

    D[a:b] must be a node of some tree: ``a`` a multiple of the largest power of two not
    larger than ``b - a`` (every range of a proof or a root is)."""
    if not 0 <= a < b:
        raise ValueError(f"D[{a}:{b}] is not a range of leaves")
    out: list[NodeKey] = []
    while a < b:
        level = (b - a).bit_length() - 1
        if a % (1 << level):
            raise ValueError(f"D[{a}:{b}] is not a node of a Merkle tree")
        out.append((level, a >> level))
        a += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a node from the hashes of its ``perfect_blocks``: each block is the left
    child of the node made by the blocks to its right."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def needed_nodes(ranges: Iterable[Range]) -> set[NodeKey]:
    """Every perfect subtree the hashes of ``ranges`` are made of."""
    return {key for a, b in ranges for key in perfect_blocks(a, b)}


def range_hash(a: int, b: int, node: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[a:b]) from ``node(level, index)``, the hashes of perfect subtrees."""
    return fold([node(level, index) for level, index in perfect_blocks(a, b)])


# --- trees in memory ----------------------------------------------------------------------


class Tree:
    """A tree kept in memory with every perfect subtree's hash (about 2n hashes): the
    verifier's copy of a log, and the reference the stored log is tested against."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        """Add a leaf *hash*; complete every perfect subtree it closes."""
        self.levels[0].append(leaf)
        level, h = 0, leaf
        while len(self.levels[level]) % 2 == 0:
            h = node_hash(self.levels[level][-2], h)
            level += 1
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(h)

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
        return range_hash(0, size, self.node) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        if size > self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {size}")
        return [range_hash(a, b, self.node) for a, b in inclusion_ranges(index, size)]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        second = self.size if second is None else second
        if second > self.size:
            raise ValueError(f"the tree has {self.size} leaves, not {second}")
        return [range_hash(a, b, self.node) for a, b in consistency_ranges(first, second)]


def mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """The root of the tree of these leaf hashes (RFC 6962's MTH)."""
    return Tree(leaf_hashes).root()


# --- verification (RFC 9162) --------------------------------------------------------------


def _hashes_ok(*values: object) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """True if ``path`` proves that the leaf hash ``leaf`` is leaf ``index`` of the tree of
    ``size`` leaves whose root is ``root`` (RFC 9162, 2.1.3.2)."""
    if not _hashes_ok(leaf, root, *path) or not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """True if ``proof`` shows that the tree of ``first`` leaves with root ``first_root`` is
    a prefix of the tree of ``second`` leaves with root ``second_root`` (RFC 9162, 2.1.4.2).

    Two cases the RFC leaves out: from the empty tree (``first`` 0) everything is
    consistent with an empty proof; between equal sizes the roots must be equal."""
    if not _hashes_ok(first_root, second_root, *proof) or not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
