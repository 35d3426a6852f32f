"""The key pair and self-signed certificate Vigil signs SNS messages with, kept in the data directory.

Created once (RSA 2048, like SNS's certificates) and reused, so receivers that cache the certificate keep
verifying across restarts. SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA, both PKCS #1 v1.5, as SNS
signs; the signature is base64.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
CERTIFICATE_YEARS = 10


class Signer:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
        if not (key_path.exists() and cert_path.exists()):
            _create(key_path, cert_path)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._key = key
        self.certificate_pem = cert_path.read_bytes()

    def sign(self, text: str, version: str) -> str:
        signature = self._key.sign(text.encode(), padding.PKCS1v15(), _HASHES[version]())
        return base64.b64encode(signature).decode()


def _create(key_path: Path, cert_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vigil SNS signing")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key first and only readable by its owner; the certificate last, so a crash between the two leaves no
    # certificate and the next start makes a new pair.
    key_path.write_bytes(key_bytes)
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
