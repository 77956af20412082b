"""Which X-Forwarded-For entry names the client behind N proxies of ours (issue 14)."""
import pytest

from motcua.throttling import forwarded_client


@pytest.mark.parametrize("remote, header, proxies, expected", [
    ("203.0.113.5", "10.0.0.1", 0, "203.0.113.5"),  # no proxy: the header is the client's own words
    ("172.18.0.1", "203.0.113.5", 1, "203.0.113.5"),  # nginx appended the client
    ("172.18.0.1", "6.6.6.6, 203.0.113.5", 1, "203.0.113.5"),  # a forged entry on the left is skipped
    ("172.18.0.1", "6.6.6.6,203.0.113.5 ", 1, "203.0.113.5"),
    ("172.18.0.1", "6.6.6.6, 203.0.113.5, 198.51.100.2", 2, "203.0.113.5"),  # edge proxy, then nginx
    ("172.18.0.1", "203.0.113.5, 198.51.100.2", 2, "203.0.113.5"),
    ("172.18.0.1", "198.51.100.2", 2, "172.18.0.1"),  # fewer entries than proxies: nothing we trust
    ("172.18.0.1", "", 1, "172.18.0.1"),
    ("172.18.0.1", "6.6.6.6, , 198.51.100.2", 2, "172.18.0.1"),  # an empty entry is not an address
])
def test_the_entry_our_outermost_proxy_appended_is_the_client(remote, header, proxies, expected):
    assert forwarded_client(remote, header, proxies) == expected
