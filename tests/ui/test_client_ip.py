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
