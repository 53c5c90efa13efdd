"""Client address for throttling and audit: X-Forwarded-For counts only behind a configured trusted proxy."""

from ui.context import forwarded_client_ip

PROXY = ("10.0.0.0/8",)


def test_direct_connection_ignores_forwarded_header():
    assert forwarded_client_ip("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"
    assert forwarded_client_ip("203.0.113.9", "1.2.3.4", PROXY) == "203.0.113.9"  # peer is not the proxy


def test_loopback_is_reported_as_localhost():
    assert forwarded_client_ip(None, None, ()) == "127.0.0.1"


def test_trusted_proxy_forwards_the_client_address():
    assert forwarded_client_ip("10.0.0.2", "198.51.100.7", PROXY) == "198.51.100.7"


def test_forged_left_entries_are_ignored():
    # the client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real address
    assert forwarded_client_ip("10.0.0.2", "6.6.6.6, 198.51.100.7", PROXY) == "198.51.100.7"
    # chains of trusted proxies are skipped from the right
    assert forwarded_client_ip("10.0.0.2", "198.51.100.7, 10.1.1.1", PROXY) == "198.51.100.7"


def test_garbage_header_falls_back_to_the_peer():
    assert forwarded_client_ip("10.0.0.2", "not-an-ip", PROXY) == "10.0.0.2"
    assert forwarded_client_ip("10.0.0.2", " , ", PROXY) == "10.0.0.2"


class _Context:
    """st.context of one connection: its peer address and request headers (counting the header reads)."""

    def __init__(self, peer, forwarded):
        self.ip_address, self._forwarded, self.header_reads = peer, forwarded, 0

    @property
    def headers(self):
        self.header_reads += 1
        return {"X-Forwarded-For": self._forwarded}


def _client_ip(monkeypatch, peer, forwarded, trusted):
    """ui.context.client_ip for one connection with ``trusted`` proxies configured; (address, header reads)."""
    from types import SimpleNamespace

    import ui.context as context

    fake = _Context(peer, forwarded)
    monkeypatch.setattr(context, "st", SimpleNamespace(context=fake))
    monkeypatch.setattr(context, "settings", lambda: SimpleNamespace(security=SimpleNamespace(trusted_proxies=trusted)))
    return context.client_ip(), fake.header_reads


def test_the_request_headers_are_read_only_behind_a_trusted_proxy(monkeypatch):
    """The session check asks for the address on every rerun (issue #17): the headers are read only when they
    can change the answer, and the answer is the same as before."""
    assert _client_ip(monkeypatch, "203.0.113.9", "1.2.3.4", ()) == ("203.0.113.9", 0)
    assert _client_ip(monkeypatch, None, "1.2.3.4", ()) == ("127.0.0.1", 0)
    assert _client_ip(monkeypatch, "203.0.113.9", "1.2.3.4", PROXY) == ("203.0.113.9", 0)  # not the proxy
    assert _client_ip(monkeypatch, "10.0.0.2", "6.6.6.6, 198.51.100.7", PROXY) == ("198.51.100.7", 1)
    assert _client_ip(monkeypatch, None, "198.51.100.7", ("127.0.0.1/32",)) == ("198.51.100.7", 1)  # local proxy
