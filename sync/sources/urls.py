"""URL canonicalisation: one article, one URL string.

``canonical_url`` is what makes "the same story from two feeds" (or the same
feed read twice with different ``utm_*`` tags) collapse into one ``kb_id``.
Contract:

* The result is an absolute ``http``/``https`` URL, or ``None`` when the
  input is unusable (``javascript:``, ``mailto:``, empty, garbage, relative
  without a usable base).
* Scheme and host are lower-cased; the host is IDNA (punycode) encoded and
  loses a trailing dot; default ports (80/443) and any ``user:pass@`` part
  are dropped (credentials are never part of an article's identity, and
  ``https://bank.com@evil.example`` is a classic disguise); the fragment is
  dropped; an empty path becomes ``/``; ``.``/``..`` segments are resolved.
* Tracking parameters (``TRACKING_PARAMS``, any ``utm_*``, ``TRACKING_VALUES``,
  ``LATER_TRACKING_PARAMS`` / ``_VALUES`` and the per-host
  ``HOST_TRACKING_PARAMS``) are removed; every other
  parameter is kept, in its original order. WeChat articles
  (``mp.weixin.qq.com/s?__biz=..&mid=..&idx=..&sn=..``) are identified by
  their parameters, so those are always kept.
* Percent-encoding is normalised: escapes of unreserved characters are
  decoded, other escapes are upper-cased, and characters that may not appear
  raw (spaces, non-ASCII, ``<>"{}|\\^`` ...) are encoded as UTF-8.

The function is idempotent: ``canonical_url(canonical_url(u)) ==
canonical_url(u)``.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urljoin, urlsplit

import idna  # a dependency of httpx; stricter (UTS 46) than the stdlib codec

# Query keys that only ever carry click/campaign tracking (compared lower-cased).
TRACKING_PARAMS: frozenset[str] = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
    "twclid", "ttclid", "li_fat_id", "igshid", "igsh",
    "mc_cid", "mc_eid",                       # Mailchimp
    "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",  # HubSpot
    "mkt_tok",                                # Marketo
    "ref_src", "ref_url",                     # Twitter/X embeds
    "spm", "scm",                             # Alibaba/Taobao
    "vero_id", "vero_conv", "oly_anon_id", "oly_enc_id", "rb_clickid",
    "s_kwcid", "wickedid", "_openstat",
})

# Tracking prefixes (compared lower-cased).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

# (key, value prefix) pairs: generic keys such as ``from`` or ``source`` are
# dropped only when their value is a known tracker value, because the same
# keys carry meaning elsewhere (``?source=...`` on a search page).
TRACKING_VALUES: tuple[tuple[str, str], ...] = (
    ("from", "timeline"), ("from", "singlemessage"), ("from", "groupmessage"),
    ("from", "rss"), ("from", "feed"),
    ("source", "rss"),                        # Medium: ?source=rss----abc---4
    ("ref", "rss"), ("ref", "feed"),
)

# Campaign tags some news sites put on every link of their feeds: heise's ``wt_mc=rss.ho…``
# (Webtrekk), the BBC's ``at_medium=RSS&at_campaign=…`` (AT Internet), the New York Times'
# ``partner=rss&emc=rss``, ``src=rss``, ``ncid=rss…``, ``cmpid=rss…``. Added after articles
# were keyed by URLs that kept them: ``canonical_url(..., legacy=True)`` keeps them still, the
# form an article first stored with one of them was keyed by (``store.ingest.adopt_legacy_keys``).
LATER_TRACKING_PARAMS: frozenset[str] = frozenset({
    "wt_mc", "wt_zmc", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
    "at_link_id", "at_link_type", "at_link_origin", "at_ptr_name", "at_bbc_team", "at_format",
})
LATER_TRACKING_VALUES: tuple[tuple[str, str], ...] = (
    ("partner", "rss"), ("emc", "rss"), ("src", "rss"), ("ncid", "rss"), ("cmpid", "rss"),
)
# in a link that may hold one of those (compared lower-cased): the others need no second look
_LATER_HINTS = ("wt_", "at_", "=rss")

# Per-host extras: share/session noise on WeChat article links. The identity
# parameters (__biz, mid, idx, sn) are deliberately absent from this list;
# ``key``/``uin``/``pass_ticket`` are the reader's session tokens and must not
# leak into a vault.
HOST_TRACKING_PARAMS: dict[str, frozenset[str]] = {
    "mp.weixin.qq.com": frozenset({
        "chksm", "scene", "subscene", "from", "isappinstalled", "sessionid",
        "clicktime", "enterid", "ascene", "devicetype", "version", "nettype",
        "abtest_cookie", "lang", "exportkey", "pass_ticket", "wx_header",
        "key", "uin", "sharer_sharetime", "sharer_shareid", "srcid",
        "realreporttime", "mpshare", "sharer_shareinfo",
        "sharer_shareinfo_first", "poc_token",
    }),
}

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
_QUERY_SAFE = frozenset(_PATH_SAFE | set("?"))
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_STRIP_INSIDE = re.compile(r"[\t\r\n]")       # WHATWG: removed anywhere in a URL
_HOST_OK = re.compile(r"[a-z0-9._-]+|\[[0-9a-f:.]+\]")


def canonical_url(url: str, base: str | None = None, *, legacy: bool = False) -> str | None:
    """Return the canonical absolute http(s) form of ``url``, or ``None``.

    ``base`` resolves relative references (``/post/1``, ``../x``,
    ``//cdn.example.com/y``); a base that is itself not http(s) resolves
    nothing. ``legacy``: the form before ``LATER_TRACKING_PARAMS`` were
    dropped. See the module docstring for the full contract.
    """
    if not isinstance(url, str):
        return None
    url = _STRIP_INSIDE.sub("", url).strip()
    if not url:
        return None
    if base:
        base = _STRIP_INSIDE.sub("", base).strip()
        # Only an http(s) base can make a relative reference absolute.
        if _split(base) is not None and _scheme(base) in _DEFAULT_PORTS:
            try:
                url = urljoin(base, url)
            except ValueError:
                return None
    parts = _split(url)
    if parts is None or parts.scheme.lower() not in _DEFAULT_PORTS:
        return None
    scheme = parts.scheme.lower()
    host = _canonical_host(parts.hostname or "")
    if host is None:
        return None
    try:
        port = parts.port
    except ValueError:  # non-numeric or out-of-range port: garbage
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_normalise_pct(parts.path or "/", _PATH_SAFE))
    if not path.startswith("/"):
        path = "/" + path
    query = _clean_query(parts.query, host, legacy)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def legacy_url(url: str, base: str | None = None) -> str | None:
    """``canonical_url(url, base, legacy=True)`` when it differs from the canonical form (a
    link that carries one of ``LATER_TRACKING_PARAMS``), else None."""
    lowered = url.lower() if isinstance(url, str) and "?" in url else ""
    if not any(hint in lowered for hint in _LATER_HINTS):
        return None
    old = canonical_url(url, base, legacy=True)
    return old if old != canonical_url(url, base) else None


def _split(url: str) -> SplitResult | None:
    """``urlsplit`` that answers ``None`` instead of raising on garbage."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _scheme(url: str) -> str:
    parts = _split(url)
    return parts.scheme.lower() if parts else ""


def _canonical_host(host: str) -> str | None:
    """Lower-case, IDNA-encoded host without a trailing dot; ``None`` if invalid."""
    host = host.strip().rstrip(".")
    if not host:
        return None
    if host.startswith("[") or ":" in host:
        # IPv6 literal (urlsplit already removed the brackets).
        host = "[" + host.strip("[]").lower() + "]"
        return host if _HOST_OK.fullmatch(host) else None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            try:  # IDNA 2003 as a second chance (older registrations)
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                return None
    host = host.lower()
    # ASCII hosts are kept as written (underscores occur in real host names,
    # which strict IDNA 2008 would refuse); only the character set is checked.
    return host if _HOST_OK.fullmatch(host) and ".." not in host else None


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so ``/a/./b/../c`` and ``/a/c`` are one URL."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                output.append("")
        elif seg == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(seg)
    result = "/".join(output)
    return result if result.startswith("/") or not path.startswith("/") else "/" + result


def _normalise_pct(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the other escapes
    and encode every character outside ``safe`` (a lone ``%`` becomes ``%25``)."""
    if safe.issuperset(text):
        return text       # the common case, checked in C: no escape ("%" is never safe), nothing to encode
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%":
            m = _PCT.match(text, i)
            if m:
                decoded = chr(int(m.group(1), 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + m.group(1).upper())
                i += 3
                continue
            out.append("%25")
        elif ch in safe:
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _is_tracking(key: str, value: str, host: str, legacy: bool = False) -> bool:
    k = key.lower()
    if k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES):
        return True
    if k in HOST_TRACKING_PARAMS.get(host, ()):
        return True
    if not legacy and k in LATER_TRACKING_PARAMS:
        return True
    v = value.lower()
    values = TRACKING_VALUES if legacy else TRACKING_VALUES + LATER_TRACKING_VALUES
    return any(k == tk and v.startswith(tv) for tk, tv in values)


def _pct_decoded(text: str) -> str:
    """Every %XX escape of ``text`` as its character."""
    return _PCT.sub(lambda m: chr(int(m.group(1), 16)), text)


def _tracking_piece(piece: str, host: str, legacy: bool = False) -> bool:
    """Whether one ``key=value`` piece of a query is tracking (``_is_tracking``), decided on the
    decoded key so that ``utm%5Fsource`` is caught too."""
    key, _, value = piece.partition("=")
    return _is_tracking(_pct_decoded(key), value, host, legacy)


def _clean_query(query: str, host: str, legacy: bool = False) -> str:
    """Drop tracking parameters and empty pieces; keep the rest in order."""
    if not query:
        return ""
    kept: list[str] = []
    for piece in query.split("&"):
        if not piece or _tracking_piece(piece, host, legacy):
            continue
        key, sep, value = piece.partition("=")
        key_n = _normalise_pct(key, _QUERY_SAFE - {"&", "="})
        value_n = _normalise_pct(value, _QUERY_SAFE - {"&"})
        kept.append(key_n + sep + value_n)
    return "&".join(kept)


# a site's redirector that carries the address it sends to after "/*" in its path: Folha de S.Paulo's
# "https://redir.folha.com.br/redir/online/poder/eleicoes-2018/rss091/*https://www1.folha.uol.com.br/…"
_EMBEDDED_TARGET = re.compile(r"^https?://[^/]+/[^?#]*?/\*(https?(?::|%3A)//.+)$", re.IGNORECASE)


def redirect_target(url: str | None) -> str | None:
    """The canonical address a redirector's link carries in its path, or None: the article's own
    address, the one its other feeds give (the same story keyed once, its note linking the site
    itself). Only an address written whole after "/*" counts."""
    match = _EMBEDDED_TARGET.match(url or "")
    if match is None:
        return None
    target = match.group(1)
    if not target.lower().startswith(("http://", "https://")):
        target = _pct_decoded(target)     # written escaped: "https%3A//…"
    return canonical_url(target)


def without_tracking(url: str) -> str:
    """``url`` without the tracking parameters ``canonical_url`` drops, and otherwise exactly as
    written (the rest of its query in order, its fragment): for the links in an article's text,
    which go where the author sent the reader, not to a canonical form."""
    head, mark, rest = url.partition("?")
    if not mark:
        return url
    query, hash_, fragment = rest.partition("#")
    parts = _split(head)
    host = (parts.hostname or "") if parts else ""
    host = _canonical_host(host) or host
    pieces = [piece for piece in query.split("&") if piece]
    kept = [piece for piece in pieces if not _tracking_piece(piece, host)]
    if len(kept) == len(pieces):
        return url
    return head + ("?" + "&".join(kept) if kept else "") + hash_ + fragment


# A relative reference whose first segment is a host name: "example.org/x", "www.site.com".
_HOSTLIKE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?::\d{1,5})?(?=/|\?|#|$)",
                       re.IGNORECASE)
# ...unless it is a file name: "index.html" is a relative path, not a host
_FILE_SUFFIXES = frozenset({
    "html", "htm", "xhtml", "shtml", "php", "asp", "aspx", "jsp", "cgi", "xml", "rss", "atom", "json",
    "txt", "md", "pdf", "png", "jpg", "jpeg", "gif", "svg", "webp", "mp3", "mp4", "zip", "gz",
})


def schemeless_host_link(link: str, base: str | None) -> str:
    """``example.org/x`` (a link written without its scheme) -> ``//example.org/x``.

    Resolved against the feed's address, such a link would become
    ``https://example.org/example.org/x``. A first segment counts as a host
    when it is the base's own host, or a dotted name whose last label is a
    plausible top-level domain rather than a file suffix. Anything else is
    returned unchanged.
    """
    if not isinstance(link, str):
        return link
    text = link.strip()
    if not text or text.startswith(("/", ".", "#", "?")) or _split(text) is None or _scheme(text):
        return link
    match = _HOSTLIKE.match(text)
    if match is None:
        return link
    host = match.group(0).split(":")[0].lower()
    base_host = (_split(base).hostname or "") if base and _split(base) else ""
    same_site = host.removeprefix("www.") == base_host.lower().removeprefix("www.")
    if same_site or match.group(1).lower() not in _FILE_SUFFIXES:
        return "//" + text
    return link


_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                            "www.youtube-nocookie.com"})
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")   # 11 characters today; only these characters, ever


def youtube_video(url: str | None) -> str | None:
    """The watch URL of the YouTube video an article URL is the page of, or None.

    ``watch?v=ID``, ``youtu.be/ID``, ``/shorts/ID``, ``/live/ID`` and ``/embed/ID``
    all give ``https://www.youtube.com/watch?v=ID``: the form Obsidian embeds as
    a player when written as an image (``![](…)``) and Notion takes for a video
    block. A channel, playlist or search page is no video: None.
    """
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if host == "youtu.be":
        video = parts.path.strip("/")
    elif host in _YOUTUBE_HOSTS and parts.path.rstrip("/") == "/watch":
        video = next((v for k, v in (p.partition("=")[::2] for p in parts.query.split("&")) if k == "v"), "")
    elif host in _YOUTUBE_HOSTS and parts.path.startswith(("/shorts/", "/live/", "/embed/")):
        video = parts.path.split("/")[2]
    else:
        return None
    return f"https://www.youtube.com/watch?v={video}" if _YOUTUBE_ID.fullmatch(video) else None
