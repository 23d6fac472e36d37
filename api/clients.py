"""Who is on the other end of a request: the socket peer, or what a trusted proxy says it is.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the socket
peer is one of the proxies listed in `FORWARDED_ALLOW_IPS` (addresses or networks; none by
default, and then the client is always the socket peer). The header is read from the right: each
address a trusted proxy appended is followed leftwards until the first one that is not a trusted
proxy, which is the client; what lies left of it was written by the client and is ignored. The
login throttle and the metrics' loopback rule both read the client from here, never from headers
directly. `siyu serve` turns uvicorn's own proxy handling off, so the ASGI peer is the socket.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import Request

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

# Headers a proxy adds when it relays a request: their presence means "not a local client".
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
UNKNOWN = "unknown"


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDR networks; ValueError names the entry that is neither."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def socket_peer(request: Request) -> str:
    """The address the connection comes from, whatever the headers say."""
    return request.client.host if request.client else UNKNOWN


def client_address(request: Request, proxies: tuple[Network, ...]) -> str:
    """The client's address: the socket peer unless that is a trusted proxy (module docstring).

    A hop that is not an address at all ends the walk at the last proxy that was believed.
    """
    peer = socket_peer(request)
    client = _address(peer)
    if not _trusted(client, proxies):
        return str(client) if client is not None else peer
    hops = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


def is_local_client(request: Request, proxies: tuple[Network, ...]) -> bool:
    """A process on this machine talking to us directly: a loopback socket peer that is not a
    configured proxy and relays nothing (a proxy on this host would make every visitor local)."""
    peer = _address(socket_peer(request))
    return (
        peer is not None
        and peer.is_loopback
        and not _trusted(peer, proxies)
        and not any(name in request.headers for name in FORWARDING_HEADERS)
    )
