"""A throwaway certificate authority and server certificate, for the local stand-in for Discord.

    python3 tests/support/throwaway_ca.py DIR     # DIR/ca.pem, DIR/cert.pem, DIR/key.pem

Standard library and the ``openssl`` command only, so a host without the project's packages can make
them (``deploy/check-image.sh`` does).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


def make_cert(
    folder: Path, names: Iterable[str] = ("discord.com", "gateway.discord.gg", "localhost")
) -> None:
    """Write ``ca.pem`` (a throwaway CA), ``cert.pem`` and ``key.pem`` (a server certificate for
    ``names`` and 127.0.0.1, signed by it), valid one day, with the ``openssl`` command. The CA's
    key is thrown away, so it can sign nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    san = ",".join([f"DNS:{n}" for n in names] + ["IP:127.0.0.1"])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "server.ext").write_text(
            f"subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
        )

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True)

        openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lowback fake Discord CA",
            "-keyout",
            str(work / "ca.key"),
            "-out",
            str(folder / "ca.pem"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        )
        openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=discord.com",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(work / "server.csr"),
        )
        openssl(
            "x509",
            "-req",
            "-in",
            str(work / "server.csr"),
            "-days",
            "1",
            "-set_serial",
            str(secrets.randbits(63)),
            "-CA",
            str(folder / "ca.pem"),
            "-CAkey",
            str(work / "ca.key"),
            "-extfile",
            str(work / "server.ext"),
            "-out",
            str(folder / "cert.pem"),
        )
    (folder / "key.pem").chmod(0o600)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: throwaway_ca.py DIR")
    make_cert(Path(sys.argv[1]))
