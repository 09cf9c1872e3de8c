"""The town CA and the console's certificate: made once, valid for the names asked, re-made when they change."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from hub.settings import HttpsSettings
from hub.tls import server_files


def verify(files_dir: Path, name: str) -> None:
    """Verify the server certificate against the town CA for *name*, as a browser would."""
    ca = x509.load_pem_x509_certificate((files_dir / "town-ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((files_dir / "server.pem").read_bytes())
    subject = x509.IPAddress(ipaddress.ip_address(name)) if name[0].isdigit() else x509.DNSName(name)
    verifier = PolicyBuilder().store(Store([ca])).time(dt.datetime.now(dt.UTC)).build_server_verifier(subject)
    verifier.verify(server, [])


def test_the_town_ca_signs_a_certificate_for_every_name_asked(tmp_path: Path) -> None:
    files = server_files(HttpsSettings(hosts=("10.20.0.5", "hub.qingxi.local")), tmp_path, "青溪镇", "0.0.0.0")
    folder = tmp_path / "tls"
    assert files.cert == folder / "server.pem" and files.ca == folder / "town-ca.pem"
    for name in ("10.20.0.5", "hub.qingxi.local", "127.0.0.1", "localhost"):
        verify(folder, name)
    with pytest.raises(VerificationError):
        verify(folder, "10.20.0.6")
    for key in ("town-ca.key", "server.key"):
        assert stat.S_IMODE((folder / key).stat().st_mode) == 0o600
    server = x509.load_pem_x509_certificate(files.cert.read_bytes())
    assert server.not_valid_after_utc - server.not_valid_before_utc <= dt.timedelta(days=398)  # what iOS accepts


def test_kept_while_good_and_made_again_for_new_names(tmp_path: Path) -> None:
    first = server_files(HttpsSettings(hosts=("10.20.0.5",)), tmp_path, "青溪镇", "127.0.0.1")
    cert, ca = first.cert.read_bytes(), (tmp_path / "tls" / "town-ca.pem").read_bytes()
    again = server_files(HttpsSettings(hosts=("10.20.0.5",)), tmp_path, "青溪镇", "127.0.0.1")
    assert again.cert.read_bytes() == cert and again.fingerprint == first.fingerprint
    moved = server_files(HttpsSettings(hosts=("10.20.0.9",)), tmp_path, "青溪镇", "127.0.0.1")
    assert moved.cert.read_bytes() != cert
    assert (tmp_path / "tls" / "town-ca.pem").read_bytes() == ca  # villages keep trusting the same CA
    verify(tmp_path / "tls", "10.20.0.9")


def test_a_configured_certificate_is_served_as_it_is(tmp_path: Path) -> None:
    made = server_files(HttpsSettings(), tmp_path / "made", "青溪镇", "127.0.0.1")
    given = server_files(HttpsSettings(cert_file=made.cert, key_file=made.key), tmp_path, "青溪镇", "127.0.0.1")
    assert (given.cert, given.key, given.ca) == (made.cert, made.key, None)
    assert not (tmp_path / "tls").exists()
