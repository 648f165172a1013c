from ipaddress import ip_address

import pytest

from comments.domain.webhooks.targets import is_forbidden, saved_url_problem

FORBIDDEN = (
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
    "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "ff02::1",
)  # fmt: skip
PUBLIC = ("93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34")


@pytest.mark.parametrize("address", FORBIDDEN)
def test_non_public_addresses_are_forbidden(address):
    assert is_forbidden(ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert not is_forbidden(ip_address(address))


def test_saved_urls_are_judged_by_literal_addresses_and_localhost_only():
    assert saved_url_problem("http://LOCALHOST./x")
    assert saved_url_problem("http://[::1]:8080/x")
    assert saved_url_problem("https://news.example/hooks") is None  # a name: checked after DNS, when sending
    assert saved_url_problem("https://93.184.216.34/hooks") is None
