"""The Merkle tree against RFC 6962 itself: the published test vectors, and a naive
implementation written here straight from the RFC's recursive definitions (MTH, PATH,
SUBPROOF), compared over random trees of up to a few hundred leaves."""

from __future__ import annotations

import hashlib
import random

import pytest

from parley.transparency import merkle
from parley.transparency.merkle import Tree, verify_consistency, verify_inclusion

# --- the RFC's definitions, naively -------------------------------------------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def naive_mth(entries: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, over the entries themselves (not their hashes)."""
    n = len(entries)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + naive_mth(entries[:k]) + naive_mth(entries[k:]))


def naive_path(m: int, entries: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1."""
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return naive_path(m, entries[:k]) + [naive_mth(entries[k:])]
    return naive_path(m - k, entries[k:]) + [naive_mth(entries[:k])]


def naive_subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 section 2.1.2."""
    n = len(entries)
    if m == n:
        return [] if whole else [naive_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return naive_subproof(m, entries[:k], whole) + [naive_mth(entries[k:])]
    return naive_subproof(m - k, entries[k:], False) + [naive_mth(entries[:k])]


def naive_proof(m: int, entries: list[bytes]) -> list[bytes]:
    return naive_subproof(m, entries, True) if 0 < m < len(entries) else []


# --- the vectors of RFC 6962 as certificate-transparency-go tests them ---------------------

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
ROOTS = [  # by tree size, 0 to 8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (0, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (5, 8, [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
]
CONSISTENCY = [  # (first, second, proof)
    (1, 1, []),
    (1, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (2, 8, [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (6, 8, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
]


def vector_tree() -> Tree:
    return Tree(merkle.leaf_hash(e) for e in LEAVES)


def hexes(values: list[bytes]) -> list[str]:
    return [v.hex() for v in values]


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert Tree().root().hex() == ROOTS[0]
    assert merkle.mth([]).hex() == ROOTS[0]


def test_leaves_and_nodes_are_hashed_with_their_prefixes() -> None:
    assert merkle.leaf_hash(b"abc") == sha(b"\x00abc")
    left, right = sha(b"l"), sha(b"r")
    assert merkle.node_hash(left, right) == sha(b"\x01" + left + right)
    assert merkle.node_hash(left, right) != merkle.node_hash(right, left)


def test_roots_match_the_rfc_vectors_for_every_size() -> None:
    tree = vector_tree()
    assert [tree.root(n).hex() for n in range(9)] == ROOTS
    assert [naive_mth(LEAVES[:n]).hex() for n in range(9)] == ROOTS
    assert merkle.mth([merkle.leaf_hash(e) for e in LEAVES]).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_rfc_vectors(index: int, size: int, path: list[str]) -> None:
    tree = vector_tree()
    assert hexes(tree.inclusion_proof(index, size)) == path
    assert verify_inclusion(tree.node(0, index), index, size, [bytes.fromhex(p) for p in path], bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_rfc_vectors(first: int, second: int, proof: list[str]) -> None:
    tree = vector_tree()
    assert hexes(tree.consistency_proof(first, second)) == proof
    assert verify_consistency(
        first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), [bytes.fromhex(p) for p in proof]
    )


def test_the_vectors_catch_hashing_done_the_wrong_way() -> None:
    """Each classic mistake gives another root for the 8 leaves, so the vectors catch it."""

    def root(entries: list[bytes], leaf: bytes, node: bytes, swap: bool, split_half: bool) -> bytes:
        n = len(entries)
        if n == 1:
            return sha(leaf + entries[0])
        k = (n + 1) // 2 if split_half else merkle.split(n)
        a, b = root(entries[:k], leaf, node, swap, split_half), root(entries[k:], leaf, node, swap, split_half)
        return sha(node + (b + a if swap else a + b))

    right = bytes.fromhex(ROOTS[8])
    assert root(LEAVES, b"\x00", b"\x01", False, False) == right  # the mistakes' harness itself is right
    assert root(LEAVES, b"\x00", b"\x01", True, False) != right  # children swapped
    assert root(LEAVES, b"", b"", False, False) != right  # no prefixes
    assert root(LEAVES, b"\x01", b"\x00", False, False) != right  # prefixes swapped
    assert root(LEAVES[:6], b"\x00", b"\x01", False, True) != bytes.fromhex(ROOTS[6])  # split in the middle


# --- properties over random trees ---------------------------------------------------------


def random_entries(rng: random.Random, n: int) -> list[bytes]:
    """Distinct entries of random lengths."""
    return [i.to_bytes(2, "big") + rng.randbytes(rng.randrange(0, 40)) for i in range(n)]


def test_every_proof_equals_the_rfc_definition_on_random_trees() -> None:
    rng = random.Random(6962)
    entries = random_entries(rng, 70)
    tree = Tree(merkle.leaf_hash(e) for e in entries)
    for n in range(0, 71):
        assert tree.root(n) == naive_mth(entries[:n]), n
        for m in range(n):
            assert tree.inclusion_proof(m, n) == naive_path(m, entries[:n]), (m, n)
        for m in range(0, n + 1):
            assert tree.consistency_proof(m, n) == naive_proof(m, entries[:n]), (m, n)


def test_every_proof_verifies_between_any_two_sizes() -> None:
    rng = random.Random(9162)
    tree = Tree(merkle.leaf_hash(e) for e in random_entries(rng, 300))
    roots = [tree.root(n) for n in range(301)]
    for n in range(0, 130):  # every pair below 130, then a sample up to 300
        for m in range(n):
            assert verify_inclusion(tree.node(0, m), m, n, tree.inclusion_proof(m, n), roots[n]), (m, n)
        for m in range(n + 1):
            assert verify_consistency(m, n, roots[m], roots[n], tree.consistency_proof(m, n)), (m, n)
    for _ in range(3000):
        n = rng.randrange(1, 301)
        m = rng.randrange(0, n)
        assert verify_inclusion(tree.node(0, m), m, n, tree.inclusion_proof(m, n), roots[n]), (m, n)
        m = rng.randrange(0, n + 1)
        assert verify_consistency(m, n, roots[m], roots[n], tree.consistency_proof(m, n)), (m, n)


def flip(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def test_one_flipped_byte_anywhere_fails_an_inclusion_proof() -> None:
    rng = random.Random(1)
    tree = Tree(merkle.leaf_hash(e) for e in random_entries(rng, 260))
    for _ in range(300):
        n = rng.randrange(1, 261)
        m = rng.randrange(0, n)
        leaf, path, root = tree.node(0, m), tree.inclusion_proof(m, n), tree.root(n)
        assert verify_inclusion(leaf, m, n, path, root)
        byte = rng.randrange(32)
        assert not verify_inclusion(flip(leaf, byte), m, n, path, root)
        assert not verify_inclusion(leaf, m, n, path, flip(root, byte))
        for i in range(len(path)):
            bad = list(path)
            bad[i] = flip(bad[i], rng.randrange(32))
            assert not verify_inclusion(leaf, m, n, bad, root), (m, n, i)
        # The wrong place, or a path too short or too long. (Another tree size may pass:
        # sizes are bound by the signed tree head, not by the proof.)
        if n > 1:
            other = (m + rng.randrange(1, n)) % n
            assert not verify_inclusion(leaf, other, n, path, root)
        if path:
            assert not verify_inclusion(leaf, m, n, path[:-1], root)
        assert not verify_inclusion(leaf, m, n, [*path, leaf], root)
        assert not verify_inclusion(leaf, n, n, path, root)


def test_one_flipped_byte_anywhere_fails_a_consistency_proof() -> None:
    rng = random.Random(2)
    tree = Tree(merkle.leaf_hash(e) for e in random_entries(rng, 260))
    for _ in range(300):
        n = rng.randrange(2, 261)
        m = rng.randrange(1, n)
        old, new, proof = tree.root(m), tree.root(n), tree.consistency_proof(m, n)
        assert verify_consistency(m, n, old, new, proof)
        byte = rng.randrange(32)
        assert not verify_consistency(m, n, flip(old, byte), new, proof)
        assert not verify_consistency(m, n, old, flip(new, byte), proof)
        for i in range(len(proof)):
            bad = list(proof)
            bad[i] = flip(bad[i], rng.randrange(32))
            assert not verify_consistency(m, n, old, new, bad), (m, n, i)
        assert not verify_consistency(m, n, old, new, proof[:-1])
        assert not verify_consistency(m, n, old, new, [*proof, old])
        assert not verify_consistency(n, m, new, old, proof)


def test_degenerate_consistency_cases() -> None:
    tree = vector_tree()
    r4, r5 = tree.root(4), tree.root(5)
    assert verify_consistency(4, 4, r4, r4, [])
    assert not verify_consistency(4, 4, r4, r5, [])
    assert not verify_consistency(4, 4, r4, r4, [r4])
    assert verify_consistency(0, 8, merkle.EMPTY_ROOT, tree.root(8), [])
    assert not verify_consistency(0, 8, r4, tree.root(8), [])
    assert not verify_consistency(6, 8, tree.root(6), tree.root(8), [])
    assert not verify_consistency(6, 8, tree.root(6)[:31], tree.root(8), tree.consistency_proof(6, 8))


def test_proofs_need_few_stored_subtrees() -> None:
    """A proof is made of O(log n) perfect subtrees: what keeps the stored log from scanning."""
    rng = random.Random(3)
    for _ in range(2000):
        n = rng.randrange(1, 2**40)
        bound = 2 * n.bit_length() + 2
        assert len(merkle.needed_nodes(merkle.inclusion_ranges(rng.randrange(n), n))) <= bound
        assert len(merkle.needed_nodes(merkle.consistency_ranges(rng.randrange(n + 1), n))) <= bound
        assert len(merkle.perfect_blocks(0, n)) == n.bit_count()


def test_ranges_that_are_not_tree_nodes_are_refused() -> None:
    assert merkle.perfect_blocks(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError):
        merkle.perfect_blocks(2, 7)  # four leaves from leaf 2: not a subtree
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(6, 5)
