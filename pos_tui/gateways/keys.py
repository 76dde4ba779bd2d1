"""Reading the merchant's and the acquirer's keys from their files, and SHA256withRSA signatures.

Keys are read once, when the lane opens its gateways. A file that is missing, readable by others
or not a key raises ``KeyFileError`` naming the config key and the file, never the content.
"""

from __future__ import annotations

import base64
import binascii
import functools
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pos_tui.acquirer_config import key_file_problem


class KeyFileError(ValueError):
    """A key file that cannot be used; ``key`` is its config key (``private_key_file``)."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


def read_secret(key: str, path: str) -> bytes:
    """The bytes of a key file, after the checks of ``settings.key_file_problem``."""
    problem = key_file_problem(path)
    if problem:
        raise KeyFileError(key, problem)
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise KeyFileError(key, f"cannot read {path}: {exc.strerror or exc}") from None


def _der(data: bytes) -> bytes | None:
    """Alipay's tools hand out keys as one bare base64 line (no PEM armour)."""
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _private_key_in(data: bytes) -> object | None:
    """The private key these bytes hold, or None. Parsing checks the key's numbers (~40 ms for 2048
    bits): the same file read again (its gateway opened again in the same process) is parsed once."""
    try:
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, password=None)
        if (der := _der(data)) is not None:
            return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError):
        pass
    return None


def load_private_key(key: str, path: str) -> rsa.RSAPrivateKey:
    """The merchant's RSA private key: PEM (PKCS#8 or PKCS#1) or bare base64 DER."""
    data = read_secret(key, path)
    loaded = _private_key_in(data)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise KeyFileError(key, f"{path} is not an unencrypted RSA private key (PEM or base64)")
    return loaded


def load_public_key(key: str, path: str) -> rsa.RSAPublicKey:
    """An acquirer's RSA public key: PEM public key, PEM/DER X.509 certificate, or bare base64 DER."""
    data = read_secret(key, path)
    loaded = None
    try:
        if b"-----BEGIN CERTIFICATE" in data:
            loaded = x509.load_pem_x509_certificate(data).public_key()
        elif b"-----BEGIN" in data:
            loaded = serialization.load_pem_public_key(data)
        elif (der := _der(data)) is not None:
            loaded = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPublicKey):
        raise KeyFileError(key, f"{path} is not an RSA public key or certificate (PEM or base64)")
    return loaded


def read_text_secret(key: str, path: str) -> str:
    """A short secret kept as text (Shouqianba's terminal key, WeChat's API v3 key)."""
    try:
        text = read_secret(key, path).decode("ascii").strip()
    except UnicodeDecodeError:
        text = ""
    if not text or not text.isprintable() or len(text) > 256:
        raise KeyFileError(key, f"{path} does not hold a key on one line of plain text")
    return text


def sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: RSA2 at Alipay, SHA256-RSA2048 at WeChat Pay."""
    return base64.b64encode(private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def verify(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is the acquirer's SHA256withRSA signature of ``message``."""
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True
