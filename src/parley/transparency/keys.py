"""The instance's Ed25519 key for signed tree heads, and the exact bytes it signs.

The key is made on first use and kept in ``settings.data_dir`` as
``transparency_ed25519.pem`` (PKCS#8 PEM, mode 0600), beside the secret key. Losing it
does not lose the log, but monitors that saved the old public key will report that the
key changed: back it up with the database.

Signed bytes (RFC 6962's TreeHeadSignature, section 3.5, all integers big-endian)::

    version         1 byte   0 (v1)
    signature_type  1 byte   1 (tree_hash)
    timestamp       8 bytes  milliseconds since the epoch
    tree_size       8 bytes
    root_hash      32 bytes  SHA-256 Merkle tree hash

50 bytes, signed with Ed25519 (RFC 8032, no pre-hash). ``tree_head_signature`` is RFC
6962's DigitallySigned struct: hash algorithm 8 and signature algorithm 7 (together 0x0807,
TLS 1.3's ``ed25519``), a 2-byte length (64), then the 64-byte signature: 68 bytes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import struct
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "transparency_ed25519.pem"
ALGORITHM = "Ed25519"
_TREE_HEAD = struct.Struct(">BBQQ32s")
_SIGNED = struct.Struct(">BBH")
VERSION_V1 = 0
TREE_HASH = 1
HASH_INTRINSIC = 8
SIG_ED25519 = 7


def key_path(data_dir: Path) -> Path:
    return data_dir / KEY_FILE


def load_or_create(data_dir: Path) -> Ed25519PrivateKey:
    """The signing key kept in ``data_dir``, made there if there is none yet.

    Processes starting together agree on one key: each writes its candidate to a file of
    its own and links it into place, which fails if another process was first."""
    path = key_path(data_dir)
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        candidate = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(candidate, path)
        finally:
            candidate.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32-byte public key (RFC 8032 encoding)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def log_id(public: bytes) -> bytes:
    """RFC 6962's log id: SHA-256 of the DER SubjectPublicKeyInfo of the public key."""
    der = Ed25519PublicKey.from_public_bytes(public).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).digest()


def tree_head_bytes(timestamp: int, tree_size: int, root_hash: bytes) -> bytes:
    """The 50 bytes a tree head signature signs (layout above)."""
    return _TREE_HEAD.pack(VERSION_V1, TREE_HASH, timestamp, tree_size, root_hash)


def sign_tree_head(key: Ed25519PrivateKey, timestamp: int, tree_size: int, root_hash: bytes) -> bytes:
    """The DigitallySigned bytes of ``tree_head_signature``."""
    signature = key.sign(tree_head_bytes(timestamp, tree_size, root_hash))
    return _SIGNED.pack(HASH_INTRINSIC, SIG_ED25519, len(signature)) + signature


def verify_tree_head(public: bytes, timestamp: int, tree_size: int, root_hash: bytes, signed: bytes) -> bool:
    """True if ``signed`` (DigitallySigned bytes) is the key's signature of this tree head."""
    if len(signed) != _SIGNED.size + 64 or len(root_hash) != 32 or len(public) != 32:
        return False
    hash_alg, sig_alg, length = _SIGNED.unpack(signed[: _SIGNED.size])
    if (hash_alg, sig_alg, length) != (HASH_INTRINSIC, SIG_ED25519, 64):
        return False
    if not (0 <= timestamp < 2**64 and 0 <= tree_size < 2**64):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            signed[_SIGNED.size :], tree_head_bytes(timestamp, tree_size, root_hash)
        )
    except InvalidSignature:
        return False
    return True


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
