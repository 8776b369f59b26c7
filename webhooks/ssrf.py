"""Which webhook URLs may be called: never the platform's own network (no SSRF).

A URL is refused when its host resolves to a loopback, private, link-local,
multicast, reserved or unspecified address, or to a cloud metadata address
(169.254.169.254 and friends are link-local; fd00:ec2::254 is private; 192.0.0.192 is in
192.0.0.0/24, refused whatever the Python version's ``is_global`` knows). A refusal names
the kind of address only when the URL's host is that address; for a name it says the same
sentence whether the name resolves into a non-public network or not at all, so a merchant
can't map the platform's own DNS (``redis.internal`` -> 10.20.30.40) through the answers. Checked
at registration and again, after DNS resolution, before every delivery; the
delivery then connects to the address that was checked (``pinned_session``), so a
DNS answer that changes in between (DNS rebinding) can't redirect it.
``WEBHOOKS_ALLOW_LOOPBACK`` (never set in production: the settings refuse it)
lets tests and ``make run`` deliver to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from core.errors import DomainError
from core.hosts import host_ascii


class UnsafeUrl(DomainError):
    """The URL can't receive webhooks."""


# Not on the public internet, whatever the running Python's ``is_global`` says (3.11 lists neither):
# IETF protocol assignments (RFC 6890; 192.0.0.192 is a cloud's metadata address), the deprecated
# IPv6 site-local range (RFC 3879) and the local-use NAT64 prefix (RFC 8215).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(network) for network in ("192.0.0.0/24", "fec0::/10", "64:ff9b:1::/48")
)


def _address_refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, host: str, text: str) -> str:
    """Why ``host`` may not receive webhooks at ``address`` (``text`` as resolved): one whole sentence
    per kind of address, so each language builds its own ("wird zu einer Loopback-Adresse aufgelöst");
    "" when the address is public."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, 6to4's 2002::/16, Teredo's server and client):
        # judged as the IPv4 address it reaches, e.g. 2002:a9fe:a9fe:: is 169.254.169.254.
        teredo = address.teredo
        for inner in (address.ipv4_mapped, address.sixtofour, *(teredo or ())):
            if inner is not None and _address_refused(inner, host=host, text=text):
                return _address_refused(inner, host=host, text=text)
        if address.ipv4_mapped:
            address = address.ipv4_mapped
    names = {"host": host, "address": text}
    if address.is_unspecified:  # 0.0.0.0 and :: (Python counts 0.0.0.0 as private: it isn't a network)
        return (
            _(
                "The host %(host)s resolves to an address that is not on the public internet (%(address)s): "
                "webhooks go to the public internet only."
            )
            % names
        )
    if address.is_loopback:
        if settings.WEBHOOKS_ALLOW_LOOPBACK:
            return ""
        return (
            _(
                "The host %(host)s resolves to a loopback address (%(address)s): webhooks go to the public internet only."
            )
            % names
        )
    if address.is_link_local:
        return (
            _(
                "The host %(host)s resolves to a link-local address (%(address)s), where cloud metadata lives: "
                "webhooks go to the public internet only."
            )
            % names
        )
    if address.is_private:
        return (
            _(
                "The host %(host)s resolves to a private network address (%(address)s): "
                "webhooks go to the public internet only."
            )
            % names
        )
    if (
        address.is_multicast
        or address.is_reserved
        or not address.is_global
        or any(address in network for network in _NOT_PUBLIC if network.version == address.version)
    ):
        return (
            _(
                "The host %(host)s resolves to an address that is not on the public internet (%(address)s): "
                "webhooks go to the public internet only."
            )
            % names
        )
    return ""


def url_check(url: str) -> list[str]:
    """The addresses ``url`` resolves to, all public; raises ``UnsafeUrl`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl(_("The URL must start with https://."))
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise UnsafeUrl(_("The URL must use https://."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("The URL must not carry a user name or password."))
    host = parts.hostname
    if not host:
        raise UnsafeUrl(_("The URL has no host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeUrl(_("The URL's port is not a number between 0 and 65535.")) from error
    # A name gets one answer for "resolves into a network that isn't public" and "doesn't resolve":
    # which of the two, and the address, would tell a merchant what the platform's DNS knows.
    try:
        ipaddress.ip_address(host)
        hidden = None
    except ValueError:
        hidden = _(
            "The host %(host)s doesn't resolve to an address on the public internet: "
            "webhooks go to the public internet only."
        ) % {"host": host}
    # An internationalised name is looked up as the HTTP client connects to it (UTS #46: ``straße.de`` is
    # ``xn--strae-oqa.de``; the C library's IDNA 2003 would look up ``strasse.de``, another domain).
    looked_up = host_ascii(host)
    if looked_up is None:
        raise UnsafeUrl(hidden)
    try:
        infos = socket.getaddrinfo(looked_up, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(hidden) from error
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise UnsafeUrl(hidden)
    for text in addresses:
        refusal = _address_refused(ipaddress.ip_address(text.split("%")[0]), host=host, text=text)
        if refusal:
            raise UnsafeUrl(hidden or refusal)
    return addresses


# --- connecting to the address that was checked (no DNS rebinding) ---------------------------


class _Pinned:
    """A urllib3 connection that opens its socket to the checked address, not to a fresh lookup
    of the host name (the Host header, TLS SNI and the certificate check still use the name)."""

    pinned_address = ""

    pinned_sockets: list[socket.socket]

    def _new_conn(self) -> socket.socket:
        try:
            opened = urllib3.util.connection.create_connection(
                (self.pinned_address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
            # A duplicate of the descriptor: an https connection wraps (and detaches) the socket
            # returned here, and shutting the duplicate down still ends the one connection.
            self.pinned_sockets.append(opened.dup())
            return opened
        except OSError as error:
            raise urllib3.exceptions.NewConnectionError(
                self, f"Failed to connect to {self.host} at {self.pinned_address}: {error}"
            ) from error


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        self.sockets: list[socket.socket] = []  # every socket its connections opened
        super().__init__(max_retries=0)

    def abort(self) -> None:
        """Shut every connection this adapter opened, plain or TLS: a read blocked on one returns at
        once (a deadline over the whole exchange, where the client's timeouts are per read)."""
        for opened in list(self.sockets):
            with contextlib.suppress(OSError):  # closed already
                opened.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        super().close()
        while self.sockets:
            self.sockets.pop().close()  # the duplicates (the connections closed themselves)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        pools = {}
        for scheme, pool_class in (("http", HTTPConnectionPool), ("https", HTTPSConnectionPool)):
            connection_class = type(
                f"Pinned{pool_class.ConnectionCls.__name__}",
                (_Pinned, pool_class.ConnectionCls),
                {"pinned_address": self.address, "pinned_sockets": self.sockets},
            )
            pools[scheme] = type(
                f"Pinned{pool_class.__name__}", (pool_class,), {"ConnectionCls": connection_class}
            )
        self.poolmanager.pool_classes_by_scheme = pools


def pinned_session(url: str) -> requests.Session:
    """A session whose connections go to an address ``url_check`` just approved for ``url``.

    Checking the name and then letting the HTTP client resolve it again would let a DNS answer
    that changes between the two (DNS rebinding) reach the private network; this session never
    resolves the name again."""
    address = url_check(url)[0]
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the connection goes where we checked
    adapter = _PinnedAdapter(address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def pinned_abort(session: requests.Session) -> None:
    """End whatever ``session`` (a ``pinned_session``) is waiting for: its sockets are shut."""
    for adapter in session.adapters.values():
        if isinstance(adapter, _PinnedAdapter):
            adapter.abort()
