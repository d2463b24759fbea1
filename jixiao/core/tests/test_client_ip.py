"""Which address the audit log and login throttling see, with and without reverse proxies."""

from django.test import RequestFactory

from jixiao.core.client_ip import client_ip


def request_from(remote: str, forwarded: str = ""):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_proxies_a_forged_forwarded_header_is_ignored(settings):
    settings.JIXIAO_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.9", "10.0.0.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.JIXIAO_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_behind_one_proxy_addresses_the_client_wrote_itself_are_not_trusted(settings):
    settings.JIXIAO_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(settings):
    settings.JIXIAO_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.3", "1.2.3.4, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
