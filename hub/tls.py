"""The console's HTTPS certificate: the one configured, or one the hub makes from a town CA of its own.

Browsers grant camera and microphone only to secure pages, so village PCs and
phones must reach the console over HTTPS. A township has no public name for
its hub, so the hub makes a certificate authority once (`town-ca.pem`, ten
years) and, at every start, a server certificate signed by it for the names and
addresses the console is reached at (397 days, within what iOS accepts;
re-made when the names change or it has under 30 days left). Villages trust
the CA once (README: "HTTPS and the town CA").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.settings import HttpsSettings

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_DAYS = 30
Key = ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class ServerFiles:
    cert: Path
    key: Path
    ca: Path | None  # the town CA's certificate, when the hub made the server's
    fingerprint: str  # SHA-256 of the CA (or of the configured certificate), to check by eye when trusting it


def server_files(https: HttpsSettings, data_dir: Path, town: str, bind_host: str) -> ServerFiles:
    """The certificate and key to serve, made (or re-made) when none is configured."""
    if https.cert_file is not None:
        key_file = https.key_file or https.cert_file
        return ServerFiles(https.cert_file, key_file, None, fingerprint(https.cert_file.read_bytes()))
    folder = data_dir / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _town_ca(folder, town)
    names = wanted_names(https.hosts, bind_host)
    cert_path, key_path = server_leaf(folder, ca_cert, ca_key, f"{town} gridhub console", names)
    ca_pem = folder / "town-ca.pem"
    return ServerFiles(cert_path, key_path, ca_pem, fingerprint(ca_pem.read_bytes()))


def server_leaf(folder: Path, ca_cert: x509.Certificate, ca_key: Key, common_name: str,
                names: frozenset[str]) -> tuple[Path, Path]:
    """server.pem and server.key in *folder*, signed by the CA for *names*; made again when missing, near
    their end, of another CA or for other names."""
    cert, key = folder / "server.pem", folder / "server.key"
    if not still_good(cert, ca_cert, names):
        write_leaf(cert, key, *issue_leaf(ca_cert, ca_key, common_name, names, ExtendedKeyUsageOID.SERVER_AUTH))
    return cert, key


def wanted_names(hosts: tuple[str, ...], bind_host: str) -> frozenset[str]:
    """The configured names and addresses, with loopback, the machine's name and the address bound."""
    extra = {bind_host} if bind_host not in ("0.0.0.0", "::", "") else set()
    return frozenset({*hosts, *extra, "localhost", "127.0.0.1", "::1", socket.gethostname()})


def fingerprint(pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def _town_ca(folder: Path, town: str) -> tuple[x509.Certificate, Key]:
    return load_or_make_ca(folder, "town-ca", f"{town} gridhub", f"{town} gridhub town CA")


def load_or_make_ca(folder: Path, stem: str, organisation: str, common_name: str) -> tuple[x509.Certificate, Key]:
    """The CA kept in *folder* as <stem>.pem and <stem>.key, made (ten years) when it is not there."""
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return x509.load_pem_x509_certificate(cert_path.read_bytes()), key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def issue_leaf(ca_cert: x509.Certificate, ca_key: Key, common_name: str, names: frozenset[str],
               usage: x509.ObjectIdentifier, days: int = SERVER_DAYS) -> tuple[x509.Certificate, Key]:
    """A new key and its certificate signed by the CA: for a server (its *names*) or a client (none)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in sorted(names)]),
                                        critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def still_good(path: Path, ca_cert: x509.Certificate, names: frozenset[str]) -> bool:
    """Whether the server certificate on disk is the CA's, for exactly *names*, and far from expiring."""
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    has = {str(v) for v in sans.get_values_for_type(x509.IPAddress)} | set(sans.get_values_for_type(x509.DNSName))
    normal = {str(ipaddress.ip_address(n)) if _is_ip(n) else n for n in names}
    left = cert.not_valid_after_utc - dt.datetime.now(dt.UTC)
    issued_by = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    ca_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    return issued_by == ca_id and has == normal and left > dt.timedelta(days=RENEW_DAYS)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def write_leaf(cert_path: Path, key_path: Path, cert: x509.Certificate, key: Key) -> None:
    write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def write_key(path: Path, key: Key) -> None:
    """Readable by the hub's user alone."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
