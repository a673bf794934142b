"""Certificate problems of an HTTPS server, read from the certificate it presented.

The crawl itself is permissive (old government servers: TLS 1.0, weak ciphers, legacy
renegotiation, unverifiable chains), so a page behind a bad certificate still gets its real
verdict; the certificate's problems are recorded apart as a ``tls-error`` warning.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID


def certificate_problems(cert: x509.Certificate, host: str, now: dt.datetime | None = None) -> list[str]:
    now = now or dt.datetime.now(dt.timezone.utc)
    problems = []
    if cert.not_valid_after_utc < now:
        problems.append(f"certificate expired on {cert.not_valid_after_utc.date()}")
    if cert.not_valid_before_utc > now:
        problems.append(f"certificate not valid before {cert.not_valid_before_utc.date()}")
    if cert.issuer == cert.subject:
        problems.append("self-signed certificate")
    if not _matches(cert, host):
        problems.append(f"certificate is not for {host}")
    return problems


def _matches(cert: x509.Certificate, host: str) -> bool:
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names += san.get_values_for_type(x509.DNSName)
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names += [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        host = host.lower()
    for name in names:
        name = str(name).lower()
        if name == host or (name.startswith("*.") and host.split(".", 1)[-1] == name[2:] and host.count(".") >= 2):
            return True
    return False


# -- the permissive client side --------------------------------------------------------------

from OpenSSL import SSL  # noqa: E402
from scrapy.core.downloader.contextfactory import (  # noqa: E402
    _ScrapyCertificateOptions,
    _ScrapyClientContextFactory,
)


class _PermissiveCertificateOptions(_ScrapyCertificateOptions):
    def _makeContext(self, *args, **kwargs) -> SSL.Context:
        ctx = super()._makeContext(*args, **kwargs)
        # Twisted turns the cipher string into a cipher list and drops "@SECLEVEL=0", so the
        # security level is lowered here: TLS 1.0 servers sign with SHA-1, refused at level 2.
        ctx.set_cipher_list(b"DEFAULT:@SECLEVEL=0")
        ctx.set_min_proto_version(SSL.TLS1_VERSION)
        return ctx


class PermissiveContextFactory(_ScrapyClientContextFactory):
    """Scrapy's context factory (no certificate verification, legacy renegotiation allowed)
    with TLS 1.0 and weak ciphers allowed too: a link checker must reach old servers to give
    their links a real verdict. Relies on Scrapy 2.19's private classes (pinned < 2.20)."""

    def _get_cert_options(self):
        return _PermissiveCertificateOptions(**self._get_cert_options_kwargs())
