"""``safe_next_url``: only a path on this site."""

import pytest

from apps.auth.redirects import safe_next_url


@pytest.mark.parametrize(
    "target",
    ["/", "/todo/", "/todo/?show=open", "/message/?page=2#latest", "/auth/password", "/a:b"],
)
def test_paths_on_this_site_are_kept(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "evil.example",
        " /todo/",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\x00",
        "/\u2028/evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_is_refused(target):
    assert safe_next_url(target) is None
