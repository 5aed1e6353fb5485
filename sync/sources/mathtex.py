"""Math in feed HTML -> Obsidian math (``$…$`` inline, ``$$…$$`` display), from its TeX.

KaTeX writes every formula twice: MathML with the TeX source in an
``<annotation encoding="application/x-tex">`` and an HTML rendering of
glyphs (``katex-html``). Flattened to text, the glyphs read
``T=[0.30.7​…``. MathML written by other tools often carries the same
annotation. ``extract_math`` replaces each such formula (the whole KaTeX
span, or a ``<math>`` element) with a placeholder word before the page is
sanitised and converted; ``restore_math`` puts the TeX back into the
Markdown. A formula without TeX is left to the sanitiser (which drops
``<math>``) and the KaTeX glyphs, as before.
"""

from __future__ import annotations

import html as _html
import re
import secrets

_KATEX = re.compile(r"<span\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bkatex(-display)?\b[^\"']*[\"'][^>]*>", re.IGNORECASE)
_SPAN = re.compile(r"<(/?)span\b[^>]*>", re.IGNORECASE)
_MATH = re.compile(r"<math\b([^>]*)>.*?</math\s*>", re.IGNORECASE | re.DOTALL)
_TEX = re.compile(r"<annotation\b[^>]*encoding\s*=\s*[\"']application/x-tex[\"'][^>]*>(.*?)</annotation\s*>",
                  re.IGNORECASE | re.DOTALL)
_DISPLAY = re.compile(r"\bdisplay\s*=\s*[\"']block[\"']", re.IGNORECASE)


# "<math" in any case: a case-blind search lower-cases the text first (26 us for a 7 kB entry
# that is not ASCII, against 7 for this)
_MATH_OPEN = re.compile(r"<[mM][aA][tT][hH]")


def extract_math(html: str) -> tuple[str, list[tuple[str, bool]]]:
    """(html with each TeX-carrying formula replaced by a placeholder, [(tex, display)])."""
    if "katex" not in html and _MATH_OPEN.search(html) is None:
        return html, []
    maths: list[tuple[str, bool]] = []
    mark = "kbmath" + secrets.token_hex(4)   # a word no page contains

    def hold(tex: str, display: bool) -> str:
        maths.append((tex, display))
        word = f"{mark}x{len(maths) - 1}x"
        return f"<p>{word}</p>" if display else word

    out: list[str] = []
    pos = 0
    while (start := _KATEX.search(html, pos)) is not None:
        end = _span_end(html, start.start())
        tex = _TEX.search(html, start.end(), end)
        if tex is None:
            out.append(html[pos:start.end()])
            pos = start.end()
            continue
        out.append(html[pos:start.start()])
        out.append(hold(_tex(tex.group(1)), start.group(1) is not None))
        pos = end
    out.append(html[pos:])
    text = "".join(out)

    def mathml(m: re.Match[str]) -> str:
        tex = _TEX.search(m.group(0))
        return hold(_tex(tex.group(1)), bool(_DISPLAY.search(m.group(1)))) if tex else m.group(0)

    text = _MATH.sub(mathml, text)
    return (text, [(mark, False), *maths]) if maths else (html, [])


def restore_math(markdown: str, maths: list[tuple[str, bool]]) -> str:
    """Put each formula's TeX back where its placeholder ended up."""
    if not maths:
        return markdown
    mark = maths[0][0]
    for index, (tex, display) in enumerate(maths[1:]):
        word = f"{mark}x{index}x"
        markdown = markdown.replace(word, f"$$\n{tex}\n$$" if display else f"${tex}$")
    return markdown


def _span_end(html: str, start: int) -> int:
    """The index after the ``</span>`` that closes the span opened at ``start``."""
    depth = 0
    for m in _SPAN.finditer(html, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.end()
    return len(html)


def _tex(source: str) -> str:
    """The annotation's TeX as Obsidian math holds it: one line, no comment mark."""
    tex = " ".join(_html.unescape(source).split())
    # "%%" would open an Obsidian comment; "$" would end the formula early
    return tex.replace("%%", "\\%\\%").replace("$", "\\$")
