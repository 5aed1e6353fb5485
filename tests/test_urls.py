"""canonical_url: one article, one URL string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.provisional import urls

from sync.sources.urls import canonical_url, without_tracking, youtube_video


@pytest.mark.parametrize("raw, expected", [
    ("HTTP://Example.COM", "http://example.com/"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com./a", "https://example.com/a"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("  https://example.com/a\n", "https://example.com/a"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com?", "https://example.com/"),
])
def test_scheme_host_port_and_path_are_normalised(raw, expected):
    assert canonical_url(raw) == expected


def test_tracking_params_are_dropped_and_others_keep_their_order():
    raw = ("https://example.com/post?utm_source=rss&b=2&UTM_Medium=feed&a=1"
           "&fbclid=x&gclid=y&mc_cid=1&mc_eid=2&igshid=z&ref_src=tw&spm=a.b&z=0")
    assert canonical_url(raw) == "https://example.com/post?b=2&a=1&z=0"


def test_generic_keys_are_dropped_only_with_known_tracker_values():
    assert canonical_url("https://medium.com/p/abc?source=rss----123---4") == "https://medium.com/p/abc"
    assert canonical_url("https://example.com/s?source=archive") == "https://example.com/s?source=archive"
    assert canonical_url("https://example.com/a?from=timeline&id=3") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/a?from=2024-01-01") == "https://example.com/a?from=2024-01-01"


def test_fragment_is_dropped():
    assert canonical_url("https://example.com/a#section-2") == "https://example.com/a"


def test_wechat_identity_params_are_kept_and_share_noise_dropped():
    raw = ("https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&mid=2650812345&idx=1"
           "&sn=0123abcd&chksm=84e1&scene=21&from=timeline&isappinstalled=0#wechat_redirect")
    assert canonical_url(raw) == (
        "https://mp.weixin.qq.com/s?__biz=MzA3MzI4MjgzMw==&mid=2650812345&idx=1&sn=0123abcd")


def test_two_wechat_articles_stay_distinct():
    a = canonical_url("https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=aa")
    b = canonical_url("https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=2&sn=bb")
    assert a != b


@pytest.mark.parametrize("raw, base, expected", [
    ("/post/1", "https://example.com/blog/", "https://example.com/post/1"),
    ("post/1", "https://example.com/blog/", "https://example.com/blog/post/1"),
    ("../x", "https://example.com/a/b/c.html", "https://example.com/a/x"),
    ("//cdn.example.com/img.png", "https://example.com/", "https://cdn.example.com/img.png"),
    ("https://other.org/x", "https://example.com/", "https://other.org/x"),
])
def test_relative_urls_resolve_against_base(raw, base, expected):
    assert canonical_url(raw, base=base) == expected


@pytest.mark.parametrize("raw, base", [
    ("", None), ("   ", None), ("javascript:alert(1)", None),
    ("javascript:alert(1)", "https://example.com/"), ("mailto:a@example.com", None),
    ("ftp://example.com/file", None), ("data:text/html,hi", None),
    ("/relative/without/base", None), ("relative", "feeds/local.xml"),
    ("http://", None), ("https:///path", None), ("http://exa mple.com/", None),
    ("http://example.com:99999/", None), ("http://<script>/", None),
])
def test_unusable_urls_give_none(raw, base):
    assert canonical_url(raw, base=base) is None


def test_percent_encoding_is_normalised():
    assert canonical_url("https://example.com/%7euser/a%2fb/%e4%b8%ad") == \
        "https://example.com/~user/a%2Fb/%E4%B8%AD"
    assert canonical_url("https://example.com/中 文?q=a b") == \
        "https://example.com/%E4%B8%AD%20%E6%96%87?q=a%20b"
    assert canonical_url("https://example.com/100%") == "https://example.com/100%25"


def test_idna_host():
    assert canonical_url("https://Bücher.DE/") == "https://xn--bcher-kva.de/"
    assert canonical_url("https://xn--bcher-kva.de/") == "https://xn--bcher-kva.de/"


def test_same_article_with_different_noise_is_one_url():
    variants = [
        "https://Example.com/post/1?utm_source=twitter",
        "https://example.com:443/post/1#comments",
        "https://example.com/post/./1?fbclid=abc",
        "https://example.com/post/%31",
    ]
    assert {canonical_url(v) for v in variants} == {"https://example.com/post/1"}


def test_idempotent_on_examples():
    for raw in ["https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=a",
                "https://example.com/a%zz/%%/..", "http://[::1]:8080/x?y=%e4"]:
        once = canonical_url(raw)
        assert once is not None and canonical_url(once) == once


_url_chars = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(st.one_of(
    urls(),
    st.builds(lambda host, path, query, frag: f"https://{host}/{path}?{query}#{frag}",
              st.sampled_from(["example.com", "EXAMPLE.com.", "bücher.de", "mp.weixin.qq.com", "[::1]:80"]),
              _url_chars, _url_chars, _url_chars),
    _url_chars,
))
def test_canonical_url_is_idempotent(raw):
    once = canonical_url(raw)
    if once is not None:
        assert once.startswith(("http://", "https://"))
        assert "#" not in once and " " not in once
        assert canonical_url(once) == once


_PARAMS = st.sampled_from(["utm_source=rss", "utm_medium=x", "UTM_Campaign=y", "fbclid=1", "wt_mc=rss.ho",
                           "source=rss----ab---4", "source=web", "id=3", "q=a+b", "ref=rss", "ref=home", "", "x",
                           "a=%20b", "utm%5Fsource=z"])


@settings(max_examples=300)
@given(st.sampled_from(["https://e.example/p", "http://www.heise.de/x.html", "https://mp.weixin.qq.com/s", "/rel"]),
       st.lists(_PARAMS, max_size=5), st.sampled_from(["", "#part", "#a?b"]))
def test_a_link_loses_its_tracking_parameters_and_only_them(head, params, fragment):
    url = head + ("?" + "&".join(params) if params else "") + fragment
    clean = without_tracking(url)
    # the same canonical address; nothing that is not tracking is lost, nothing is reordered
    assert canonical_url(clean, base="https://base.example/") == canonical_url(url, base="https://base.example/")
    assert clean.endswith(fragment) and clean.startswith(head)
    kept = [p for p in params if p and p.split("=")[0].lower().replace("%5f", "_") not in
            ("utm_source", "utm_medium", "utm_campaign", "fbclid", "wt_mc") and p not in ("source=rss----ab---4", "ref=rss")]
    assert [p for p in clean[len(head):].split("#")[0].lstrip("?").split("&") if p] == kept
    assert without_tracking(clean) == clean


@settings(max_examples=200)
@given(st.text(max_size=40), st.text(max_size=40))
def test_never_raises_on_garbage(raw, base):
    result = canonical_url(raw, base=base or None)
    assert result is None or result.startswith(("http://", "https://"))


@pytest.mark.parametrize("url, video", [
    ("https://www.youtube.com/watch?v=0A1ouV7iD8o", "https://www.youtube.com/watch?v=0A1ouV7iD8o"),
    ("https://m.youtube.com/watch?feature=share&v=0A1ouV7iD8o", "https://www.youtube.com/watch?v=0A1ouV7iD8o"),
    ("https://youtu.be/0A1ouV7iD8o?t=42", "https://www.youtube.com/watch?v=0A1ouV7iD8o"),
    ("https://www.youtube.com/shorts/0A1ouV7iD8o", "https://www.youtube.com/watch?v=0A1ouV7iD8o"),
    ("https://www.youtube.com/live/0A1ouV7iD8o?si=x", "https://www.youtube.com/watch?v=0A1ouV7iD8o"),
    ("https://www.youtube.com/channel/UC7_gcs09iThXybpVgjHZ_7g", None),     # a channel, not a video
    ("https://www.youtube.com/playlist?list=PLx", None),
    ("https://www.youtube.com/watch?v=a%22onerror", None),                 # only an id's characters
    ("https://example.com/watch?v=0A1ouV7iD8o", None),
    ("javascript:alert(1)", None), ("http://[::1", None), (None, None),
])
def test_a_youtube_video_page_gives_its_watch_url(url, video):
    assert youtube_video(url) == video
