"""The county CA: the county hub's server certificate, and each town's client certificate, signed by it.

The county hub makes its CA once in <data_dir>/county-tls (ten years, like a town's). `gridhub county issue-cert
<town>` signs a client certificate whose common name is the town's id: that name, checked by TLS against this CA,
is the only identity the county believes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from hub.county.config import County
from hub.tls import Key, fingerprint, issue_leaf, load_or_make_ca, server_leaf, wanted_names, write_leaf

CLIENT_DAYS = 825


@dataclass(frozen=True, slots=True)
class LinkFiles:
    cert: Path
    key: Path
    ca: Path
    fingerprint: str  # SHA-256 of the county CA


def county_ca(data_dir: Path, county: County) -> tuple[x509.Certificate, Key]:
    folder = data_dir / "county-tls"
    folder.mkdir(parents=True, exist_ok=True)
    return load_or_make_ca(folder, "county-ca", f"{county.county.name} gridhub",
                           f"{county.county.name} gridhub county CA")


def server_files(data_dir: Path, county: County) -> LinkFiles:
    """The link's server certificate, made (or re-made) for the names in the county file."""
    ca_cert, ca_key = county_ca(data_dir, county)
    folder = data_dir / "county-tls"
    names = wanted_names(county.link.hosts, county.link.host)
    cert, key = server_leaf(folder, ca_cert, ca_key, f"{county.county.name} gridhub county link", names)
    ca = folder / "county-ca.pem"
    return LinkFiles(cert, key, ca, fingerprint(ca.read_bytes()))


def issue_town_cert(data_dir: Path, county: County, town: str, out: Path) -> LinkFiles:
    """A client certificate for *town* in *out*: <town>.pem, <town>.key, and county-ca.pem to trust the county."""
    if town not in county.town_map():
        raise KeyError(f"no town {town!r} in the county file; it has: {', '.join(county.town_map())}")
    ca_cert, ca_key = county_ca(data_dir, county)
    out.mkdir(parents=True, exist_ok=True)
    cert, key = out / f"{town}.pem", out / f"{town}.key"
    write_leaf(cert, key, *issue_leaf(ca_cert, ca_key, town, frozenset(), ExtendedKeyUsageOID.CLIENT_AUTH,
                                      CLIENT_DAYS))
    ca = out / "county-ca.pem"
    ca_pem = (data_dir / "county-tls" / "county-ca.pem").read_bytes()
    ca.write_bytes(ca_pem)
    return LinkFiles(cert, key, ca, fingerprint(ca_pem))
