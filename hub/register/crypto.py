"""ID numbers and phones at rest: AES-256-GCM ciphertexts, and keyed digests (HMAC-SHA256) to find them by.

One 32-byte key, from GRIDHUB_REGISTER_KEY (base64), never from the database: without it the database holds
ciphertexts and digests that tell nothing. Two keys are derived from it with HKDF, one to encrypt and one to
digest, so that neither use weakens the other. The digests of an ID number's last four digits and of a phone let a
grid worker find someone by what they were told, without any number being decrypted to search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "register.key"


class KeyMissing(Exception):
    """No register key: the register cannot be read or written."""


class RegisterCipher:
    """Encrypts and digests the register's secret fields with keys derived from one master key."""

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise ValueError(f"the register key is {KEY_BYTES} bytes (base64 of them in GRIDHUB_REGISTER_KEY)")
        self._aead = AESGCM(_derive(master, b"gridhub register encrypt"))
        self._mac = _derive(master, b"gridhub register digest")

    def encrypt(self, field: str, value: str) -> str:
        """base64(nonce + ciphertext); *field* is bound in, so a ciphertext cannot be moved to another field."""
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), field.encode())).decode()

    def decrypt(self, field: str, token: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()

    def digest(self, kind: str, value: str) -> str:
        """The keyed digest of *value* as a *kind* ("id", "id4", "phone"): equal values, equal digests."""
        return hmac.digest(self._mac, f"{kind}:{value}".encode(), hashlib.sha256).hex()


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def parse_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise KeyMissing("GRIDHUB_REGISTER_KEY is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyMissing(f"GRIDHUB_REGISTER_KEY must hold {KEY_BYTES} bytes, it holds {len(key)}")
    return key


def new_key() -> str:
    """A fresh key, as GRIDHUB_REGISTER_KEY takes it."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def load_key(configured: str | None, data_dir: Path, demo: bool) -> bytes:
    """The configured key; in the demo only, a key file kept in its data folder (made on first start)."""
    if configured:
        return parse_key(configured)
    if not demo:
        raise KeyMissing("set GRIDHUB_REGISTER_KEY (base64 of 32 random bytes) to keep the register")
    path = data_dir / KEY_FILE
    if not path.exists():
        path.write_text(new_key() + "\n", encoding="utf-8")
        path.chmod(0o600)
    log.warning("demo register key in %s: it sits beside the database it protects, which is fine for fictional "
                "people and never for real ones; a town sets GRIDHUB_REGISTER_KEY instead", path)
    return parse_key(path.read_text(encoding="utf-8"))
