"""Writes a self-signed certificate for nginx once: compose.yaml's one-shot ``certs`` service.

    python deploy/compose/selfsigned.py /certs localhost

Kept in a named volume, so it survives ``docker compose down`` and browsers that were told to
trust it keep trusting it; an existing pair is left alone. Replace both files with a real
certificate (same names) to serve a real host name.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main(directory: str, host: str) -> int:
    cert_path, key_path = Path(directory, "tls.pem"), Path(directory, "tls.key")
    if cert_path.exists() and key_path.exists():
        print(f"certificate for nginx: keeping {cert_path}")
        return 0
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    # The key is written readable by its owner only, before any byte of it goes in.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print(f"certificate for nginx: wrote a self-signed one for {host} to {cert_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
