"""IP rules (per user and per role) at login and on every page load, and the client-address rule:
X-Forwarded-For counts only when the request came through a trusted proxy."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_core.kernel.errors import DomainError, NotAuthenticated, ValidationError, ValidationErrors
from erp_core.security.auth import login
from erp_core.security.ip_services import add_ip_rule, delete_ip_rule, list_ip_rules
from erp_core.security.network import client_ip_from, in_any, parse_ip, parse_network
from erp_core.security.sessions import actor_for_token
from tests.security.helpers import PASSWORD, audit_entries, new_user, role_id, session_actor, setup_company
from tests.support.factories import ADMIN_PASSWORD as PASSWORD_ADMIN

PROXY = ["10.0.0.1/32", "172.16.0.0/12"]


@pytest.mark.parametrize("headers, peer, expected", [
    ({}, "203.0.113.5", "203.0.113.5"),  # direct connection
    ({"X-Forwarded-For": "1.2.3.4"}, "203.0.113.5", "203.0.113.5"),  # spoofed header from an untrusted peer
    ({"X-Forwarded-For": "1.2.3.4"}, "10.0.0.1", "1.2.3.4"),  # through the trusted proxy
    ({"x-forwarded-for": "1.2.3.4"}, "10.0.0.1", "1.2.3.4"),  # header names are case-insensitive
    ({"X-Forwarded-For": "6.6.6.6, 1.2.3.4"}, "10.0.0.1", "1.2.3.4"),  # client-supplied prefix ignored
    ({"X-Forwarded-For": "1.2.3.4, 172.16.5.5"}, "10.0.0.1", "1.2.3.4"),  # two trusted hops
    ({"X-Forwarded-For": "garbage, 1.2.3.4"}, "10.0.0.1", "1.2.3.4"),
    ({"X-Forwarded-For": "1.2.3.4, garbage"}, "10.0.0.1", "10.0.0.1"),  # invalid nearest hop: stop at proxy
    ({"X-Forwarded-For": ""}, "10.0.0.1", "10.0.0.1"),
    ({"X-Forwarded-For": "2001:db8::1"}, "10.0.0.1", "2001:db8::1"),
    ({}, "::ffff:198.51.100.7", "198.51.100.7"),
    ({}, None, None),
    ({}, "not-an-ip", None),
])
def test_client_ip_from(headers, peer, expected):
    assert client_ip_from(headers, peer, PROXY) == expected


def test_no_trusted_proxy_means_the_header_is_never_believed():
    assert client_ip_from({"X-Forwarded-For": "1.2.3.4"}, "10.0.0.1", []) == "10.0.0.1"


def test_networks():
    assert parse_network("192.168.1.7/24").with_prefixlen == "192.168.1.0/24"
    assert parse_network("300.1.1.1/8") is None and parse_network("") is None
    assert in_any("192.168.1.200", ["192.168.1.0/24"]) and not in_any("192.168.2.1", ["192.168.1.0/24"])
    assert not in_any(None, ["0.0.0.0/0"]) and not in_any("::1", ["0.0.0.0/0"])


def test_rule_validation(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "ruled")
    with pytest.raises(ValidationError) as err:
        add_ip_rule(db, admin, cidr="10.0.0.0/33", user_id=uid)
    assert err.value.message_id == "error.security.cidr_format"
    with pytest.raises(ValidationErrors):
        add_ip_rule(db, admin, cidr="", user_id=uid, role_id=role_id(db, "sales"))
    assert list_ip_rules(db, admin) == []


def test_user_rule_applies_at_login_and_on_each_page_load(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "office")
    login(db, "office", PASSWORD, client_ip="198.51.100.1")  # no rules: allowed from anywhere
    rule = add_ip_rule(db, admin, cidr="192.168.10.0/24", user_id=uid, note="office LAN")
    token = login(db, "office", PASSWORD, client_ip="192.168.10.20").token
    actor_for_token(db, token, client_ip="192.168.10.20")
    with pytest.raises(DomainError) as err:
        login(db, "office", PASSWORD, client_ip="198.51.100.1")
    assert err.value.message_id == "error.login.ip_refused"
    with pytest.raises(DomainError):  # an unknown address is not inside any allowed network
        login(db, "office", PASSWORD, client_ip=None)
    with pytest.raises(NotAuthenticated) as err:  # the same session seen from elsewhere is ended
        actor_for_token(db, token, client_ip="198.51.100.1")
    assert err.value.params["reason"] == "ip_refused"
    refusals = audit_entries(db, "security.session.login", "denied")
    assert refusals[-1].client_ip is None and '"ip_refused"' in refusals[-1].details
    assert refusals[-2].client_ip == "198.51.100.1"
    assert audit_entries(db, "security.session.ip_refused", "denied")[-1].client_ip == "198.51.100.1"
    delete_ip_rule(db, admin, rule_id=rule)
    login(db, "office", PASSWORD, client_ip="198.51.100.1")


def test_role_rule_applies_to_every_holder_and_not_to_others(db, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "seller", roles=("sales",))
    new_user(db, admin, "reader", roles=("viewer",))
    add_ip_rule(db, admin, cidr="10.20.0.0/16", role_id=role_id(db, "sales"))
    with pytest.raises(DomainError):
        login(db, "seller", PASSWORD, client_ip="10.30.0.1")
    login(db, "seller", PASSWORD, client_ip="10.20.3.4")
    login(db, "reader", PASSWORD, client_ip="10.30.0.1")
    rules = list_ip_rules(db, admin)
    assert [(r.cidr, r.role_code) for r in rules] == [("10.20.0.0/16", "sales")]


def test_refused_address_does_not_count_as_a_password_failure(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "remote")
    add_ip_rule(db, admin, cidr="10.0.0.0/8", user_id=uid)
    for _ in range(6):
        with pytest.raises(DomainError):
            login(db, "remote", "Wrong-Passw0rd!", client_ip="203.0.113.9")
    assert login(db, "remote", PASSWORD, client_ip="10.1.1.1").user_id == uid


_ips = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)


@settings(max_examples=200, deadline=None)
@given(peer=_ips, forwarded=st.lists(st.one_of(_ips, st.text(max_size=8)), max_size=5))
def test_client_ip_property_untrusted_peer_is_always_the_answer(peer, forwarded):
    """Whatever a client writes into X-Forwarded-For, a direct (untrusted) peer is never overridden."""
    headers = {"X-Forwarded-For": ", ".join(forwarded)}
    if in_any(peer, PROXY):
        return
    assert client_ip_from(headers, peer, PROXY) == str(parse_ip(peer))


@settings(max_examples=200, deadline=None)
@given(client=_ips, spoofed=st.lists(_ips, max_size=3))
def test_client_ip_property_through_the_proxy_the_proxy_reported_client_wins(client, spoofed):
    """Through the trusted proxy, the address the proxy appended wins over anything the client prepended."""
    if in_any(client, PROXY):
        return
    headers = {"X-Forwarded-For": ", ".join([*spoofed, client])}
    assert client_ip_from(headers, "10.0.0.1", PROXY) == str(parse_ip(client))


def test_an_administrator_cannot_lock_out_their_own_address(db, company):
    _, admin = setup_company(db, company)
    _, me = session_actor(db, "admin", PASSWORD_ADMIN, ip="198.51.100.10")
    with pytest.raises(DomainError) as err:
        add_ip_rule(db, me, cidr="10.0.0.0/8", role_id=role_id(db, "admin"))
    assert err.value.message_id == "error.security.rule_locks_you_out"
    assert list_ip_rules(db, admin) == []
    add_ip_rule(db, me, cidr="198.51.100.0/24", role_id=role_id(db, "admin"))
    add_ip_rule(db, me, cidr="10.0.0.0/8", role_id=role_id(db, "admin"))
    assert len(list_ip_rules(db, admin)) == 2
