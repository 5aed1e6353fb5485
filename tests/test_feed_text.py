"""Issue 12.4-12.6: Markdown a person would write, offline summaries that read well,
and an archive that is not a digest.

The fixtures in ``tests/data/quirks/`` are small copies of real feeds' quirks:
WordPress (boilerplate, ``alt="[Photo]"``, an ``<h1>`` repeating the title, a
byline, an empty ``content:encoded``), GitHub releases, YouTube, a podcast,
Substack (KaTeX, ``$5-$10``, "Thanks for reading"), Medium (a subtitle and a caption
before the text, a paywall note, its footer) and a Chinese feed.
"""

from __future__ import annotations

import html as _html
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import mistune
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync.config import RollupConfig
from sync.pages.markdown import demote_headings, md
from sync.rollups.recent import recent_days, recent_weeks
from sync.scoring import extract
from sync.sources.html import to_markdown
from sync.targets.obsidian.paths import legal_name, wikilink
from sync.targets.obsidian.yamlfm import loads_note
from sync.text import plain_text, sentences
from tests.feedserver import FeedServer, Static
from tests.notecheck import note_problems
from tests.test_e2e import kbsync, notes, snapshot

QUIRKS = Path(__file__).parent / "data" / "quirks"
BASE = "https://techweekly.example/post"


# -- 12.4 escaping --------------------------------------------------------------------
def test_no_needless_escapes_and_none_inside_urls():
    out = to_markdown('<p>e-mail, Opus 4.6, C#, a=b, (2.0) and '
                      '<a href="https://www.youtube.com/watch?v=a_b">https://www.youtube.com/watch?v=a_b</a></p>', BASE)
    assert out == "e-mail, Opus 4.6, C#, a=b, (2.0) and <https://www.youtube.com/watch?v=a_b>"
    # a number is no Obsidian tag: a release note's pull requests keep their "#"
    assert to_markdown('<li>Fix the lock file (<a href="https://github.com/o/r/pull/123">#123</a>), '
                       'see #42</li>', BASE) == "- Fix the lock file ([#123](https://github.com/o/r/pull/123)), see #42"


def test_what_would_change_the_rendering_in_obsidian_is_escaped():
    out = to_markdown("<p>[[Secret]] ==mark== %%hidden%% #tag $5-$10 *stars* &lt;b&gt;</p>"
                      "<p>- not a list</p><p>1. not a list</p><p># not a heading</p>", BASE)
    assert out == ("\\[\\[Secret]] \\=\\=mark\\=\\= %\\%hidden%\\% \\#tag \\$5-\\$10 \\*stars\\* \\<b>\n\n"
                   "\\- not a list\n\n1\\. not a list\n\n\\# not a heading")
    assert to_markdown("<p>It costs $20,000.</p>", BASE) == "It costs $20,000."     # one "$" starts no math
    assert to_markdown("<p><code>a == b %% $x$ #t</code></p>", BASE) == "`a == b %% $x$ #t`"


def test_key_points_are_not_escaped_twice():
    article = to_markdown("<p>Intro sentence about the plan here.</p><ul><li>It costs $20,000 a year for the team.</li>"
                          "<li>It cuts 70% of the errors in long tasks.</li></ul>", BASE)
    points = extract.key_points(article, "Intro sentence about the plan here.", "T", limit=5, chars=200)
    assert points == ("It costs $20,000 a year for the team.", "It cuts 70% of the errors in long tasks.")
    assert [md(p) for p in points] == list(points)
    assert plain_text("\\$20 and 70\\% and a\\=b") == "$20 and 70% and a=b"


_RENDER = mistune.create_markdown(plugins=["strikethrough", "url"])
_PIECES = st.sampled_from(["a", " ", "1.", "0.", "-", "#", "*", "_", "[", "]", "(", ")", "<", ">", "!", "`", "\\",
                           "&", ";", "=", "~", "$", "%", "|", " https://x.io/a_b?v=1_2 ", "&amp;"])


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=20).map("".join)))
def test_text_in_a_feed_renders_as_the_same_text(text: str):
    """Text of a feed page, converted, is shown by a CommonMark parser exactly as written:
    no list, heading, quote, emphasis, code or HTML appears that the page did not have."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0\ufdd1]", " ", text)
    line = " ".join(text.split())
    out = to_markdown(_html.escape(text, quote=False), BASE)
    if not line:
        return
    rendered = _RENDER(out).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), (out, rendered)
    inner = re.sub(r'<a href="[^"]*">(.*?)</a>', r"\1", rendered[3:-4])
    assert "<" not in inner, (out, rendered)
    assert " ".join(_html.unescape(inner).split()) == line


_LEADERS = st.sampled_from(["1. x", "2) y", "- z", "+ w", "* v", "> q", "# h", "## h", "3.", "-", " 4. u", "a", " "])
_INLINE = st.sampled_from(["strong", "em", "b", "i", "del", "mark", "q", "span", "small", "a href='https://e.example/'",
                           "a name='n'", "a"])
_BLOCKS = {"p": ("<p>", "</p>", set()), "h2": ("<h2>", "</h2>", {"h2"}), "li": ("<ul><li>", "</li></ul>", {"ul", "li"}),
           # a header row: a table of one row is a layout table to the converter, written as a list item
           "td": ("<table><tr><th>h</th><th>i</th></tr><tr><td>", "</td><td>end</td></tr></table>", {"table"})}


@st.composite
def _block_html(draw) -> tuple[str, set[str]]:
    """A block of the page (paragraph, heading, list item, table cell) whose text starts with what
    could be read as markup, inside inline tags, some of them empty, some with a <br>."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        tag = draw(st.one_of(st.none(), _INLINE))
        text = draw(_LEADERS) + draw(st.sampled_from(["", "<br>", " more"]))
        inner = draw(st.sampled_from([text, "", text]))
        parts.append(text if tag is None else f"<{tag}>{inner}</{tag.split()[0]}>")
    kind = draw(st.sampled_from(sorted(_BLOCKS)))
    opening, closing, structure = _BLOCKS[kind]
    return opening + "".join(parts) + closing, structure


@settings(max_examples=800)
@given(_block_html())
@example(("<ul><li><a name='n'>1. x</a></li></ul>", {"ul", "li"}))      # an anchor writes no "["
@example(("<p><strong></strong>2) y</p>", set()))                       # an empty bold writes no "**"
def test_text_that_starts_a_line_never_becomes_markup_whatever_tags_are_around_it(block):
    """What precedes a text on its line (a "**", a "[", a heading's "#"s, a cell's "|") decides whether
    a leading "1." or "-" would be read as a list: no list, quote or heading appears that the page
    did not have, with its inline tags empty or not, linked or anchored."""
    html, structure = block
    markdown = to_markdown(html, BASE)
    rendered = _RENDER_TABLES(markdown)
    found = set(re.findall(r"<(ol|ul|li|blockquote|h[1-6]|table)\b", rendered))
    assert found <= structure, (html, markdown, rendered)
    # and the block itself is there, unless it held no text at all
    assert found >= structure or not re.sub(r"<[^>]+>|\s", "", html), (html, markdown, rendered)


_RENDER_TABLES = mistune.create_markdown(plugins=["strikethrough", "url", "table"])


def test_bracketed_alt_text_is_not_an_embed():
    assert to_markdown('<img alt="[Photo]" src="https://x.example/p.png">', BASE) == "![Photo](https://x.example/p.png)"


def test_katex_and_mathml_become_tex():
    html = ('<p>Loss <span class="katex"><span class="katex-mathml"><math><semantics><mi>T</mi>'
            '<annotation encoding="application/x-tex">T=[0.3, 0.7]</annotation></semantics></math></span>'
            '<span class="katex-html" aria-hidden="true">T=[0.30.7</span></span> here.</p>'
            '<math display="block"><annotation encoding="application/x-tex">\\frac{a}{b} &lt; 1</annotation></math>')
    assert to_markdown(html, BASE) == "Loss $T=[0.3, 0.7]$ here.\n\n$$\n\\frac{a}{b} < 1\n$$"


def test_the_articles_headings_sit_below_the_notes_sections():
    assert demote_headings("# Title\n\ntext\n\n## Part\n\n```\n# code\n```") == \
        "### Title\n\ntext\n\n#### Part\n\n```\n# code\n```"
    assert demote_headings("### Already low") == "### Already low"


def test_file_names_and_link_text_hold_no_backticks():
    assert "`" not in legal_name("Use `uv` for `pip` things")
    assert wikilink("2026-02-06 Use uv", "Use `uv` now") == "[[2026-02-06 Use uv|Use uv now]]"


# -- 12.5 summary and key points ---------------------------------------------------------
def test_the_sentence_splitter_knows_abbreviations_urls_and_chinese():
    assert sentences("Dr. Smith met Rev. Jones in the U.S. on Monday. See https://x.com/w?v=1. Done!") == [
        "Dr. Smith met Rev. Jones in the U.S. on Monday.", "See https://x.com/w?v=1.", "Done!"]
    assert sentences("J. R. R. Tolkien wrote it. Really? Yes.") == ["J. R. R. Tolkien wrote it.", "Really?", "Yes."]
    assert sentences("成本下降了一半。这是好事！对吗？是的") == ["成本下降了一半。", "这是好事！", "对吗？", "是的"]
    # Urdu (and Arabic, Persian) end a sentence with ۔ or ؟: BBC Urdu's summary was its whole paragraph
    assert sentences("امریکہ نے امداد بند کر دی۔ کیا مقصد پورا ہو گا؟ ماہرین کا کہنا ہے") == [
        "امریکہ نے امداد بند کر دی۔", "کیا مقصد پورا ہو گا؟", "ماہرین کا کہنا ہے"]
    # a "!" or "?" before a lower-case word is inside the sentence: a name ("Yahoo!", "Jimmy Kimmel Live!",
    # a book's title "What's Your Problem?") or a quoted question
    assert sentences("Numbers are from Yahoo! and you can expect more on CBS. Really? Yes! "
                     "Jack Dee’s new book ‘What’s Your Problem?’ is out. \"Why?\" she asked.") == [
        "Numbers are from Yahoo! and you can expect more on CBS.", "Really?", "Yes!",
        "Jack Dee’s new book ‘What’s Your Problem?’ is out.", "\"Why?\" she asked."]
    # Japanese technical writing ends a sentence with the fullwidth ． (and writes ， for 、): a
    # blog's summary had been its three opening sentences; a fullwidth decimal point ends nothing
    assert sentences("この記事は Advent Calendar の10日目です． 昨日は @kimiyuki さんの記事でした．"
                     "性能は３．５倍になりました．") == [
        "この記事は Advent Calendar の10日目です．", "昨日は @kimiyuki さんの記事でした．", "性能は３．５倍になりました．"]
    assert extract.summary("", "型推論を実装しました．詳しくは後述します．", "型推論", 200) == "型推論を実装しました．"


def test_plain_text_drops_markup_and_keeps_what_only_looks_like_it():
    assert plain_text("## Title\n\n**bold**, *it*, _em_, __strong__, `code`, ~~gone~~") == \
        "Title bold, it, em, strong, code, gone"
    assert plain_text("> quoted\n> > nested\n\n- item\n* star item\n1. first") == "quoted nested item star item first"
    # text: intraword underscores, a lone star, ">" and "~" inside a line, escaped characters
    assert plain_text("set tensor_parallel_size for /u/Ok_Relative5802") == "set tensor_parallel_size for /u/Ok_Relative5802"
    assert plain_text("2 * 3 = 6 and latency > 2 s at ~6k tokens") == "2 * 3 = 6 and latency > 2 s at ~6k tokens"
    assert plain_text("2024\\. The year of \\*stars\\* and \\_under\\_") == "2024. The year of *stars* and _under_"
    # an icon font's glyph (private use) stays itself beside an escape (it had come back as "0")
    assert plain_text("\\*new\\* \ue030 \ue041 \ue130") == "*new* \ue030 \ue041 \ue130"


@given(st.text())
def test_the_sameness_key_keeps_letters_and_digits_only_whatever_the_script(text: str):
    # the ASCII shortcut (a translation table) and the regex agree on every text
    assert extract._key(text) == re.sub(r"[\W_]+", "", text.casefold())
    assert extract._key(text) == "".join(c for c in text.casefold() if c.isalnum())


# pieces Markdown paragraphs are made of: markup, links, images, addresses, list numbers, escapes
_MARKDOWN_PIECES = st.sampled_from([
    "word", "Ünïcode", "模型", "12", "2024.", " ", "  ", "\t", "*", "**", "_", "__", "`", "~~", "#", "## ", ">", "- ",
    "+ ", "1. ", "3) ", "\\", "\\*", "\\_", "[", "]", "(", ")", "](", "![", "[a](b)", "[t](http://x.y/p q)",
    "![alt](src.png)", "[](e)", "<http://a.b/c>", "https://h.io/x_y", "www.w.com", "site.com/path", "&amp;",
    "\ufdd2", "\ufdd4", "\ue030", "\n"])


@given(st.lists(st.one_of(_MARKDOWN_PIECES, st.text(max_size=3)), max_size=14).map("".join))
@settings(max_examples=400)
def test_a_paragraphs_key_is_its_clean_texts_key(paragraph: str):
    # asking whether the feed's summary opens the article keys its paragraphs without cleaning
    # them: the shortcut must give the key of the clean text on any Markdown
    assert extract.paragraph_key(paragraph) == extract._key(extract._clean(paragraph))


def test_the_feed_summary_is_found_wherever_it_stands_in_the_article():
    # read paragraph by paragraph: found in the first, in the tenth, across two, or not at all
    paras = [f"Paragraph number {i} tells [part {i}](https://x.io/{i}) of the story, with **markup**." for i in range(12)]
    text = "\n\n".join(["## A heading", *paras[:5], "```\ncode()\n```", *paras[5:]])
    whole = extract._key(" ".join(extract._clean(p) for p in paras))
    for start in (0, 37, 200, len(whole) - 60, whole.index("paragraphnumber10") - 20):
        assert extract._cleaned(text).holds(whole[start:start + 60])
    assert not extract._cleaned(text).holds("paragraphnumber12tells")
    assert not extract._cleaned(text).holds(extract._key("A heading Paragraph number 0"))   # headings are no prose
    assert list(extract._cleaned(text)) == [extract._clean(p) for p in paras]


def test_a_sentence_the_feed_cut_short_is_no_key_point():
    # an excerpt ends inside a word or with a bracketed ellipsis (UOL, Craigslist, kicker.de); nor is
    # a "read more" line in the feed's language (Folha's "Leia mais (date)") a point
    body = ("The council approved the new budget on Tuesday. Spending on schools rises by a tenth next year. "
            "O termo de renovaç...\n\nThe unit features a spacious kitchen [...]\n\n"
            "Der Klub verkündete am Montag, dass der Profi zur SpVgg...\n\n模型推理成本下降了一半，然后……")
    body += "\n\nLeia mais (09/24/2018 - 19h22)\n\nLire la suite de l'article ici"
    points = extract.key_points(body, "The council approved the new budget on Tuesday.", "Budget", limit=5, chars=200)
    assert points == ("Spending on schools rises by a tenth next year.", "模型推理成本下降了一半，然后……")


def test_show_notes_links_are_no_key_points_and_an_address_as_link_text_is_an_address():
    # The Omni Show: "Full transcript and show notes at [theomnishow.omnigroup.com](…)", then a list
    # of the people and places mentioned, each only a link
    body = ("Full transcript and show notes at [theomnishow.omnigroup.com](https://theomnishow.omnigroup.com/ep/1/)\n\n"
            "For our first episode we interview Kristina Sontag, who runs the test department. "
            "She got her start playing games for a living at [LucasArts](http://lucasfilm.com/games).\n\n"
            "Some other people and places mentioned:\n\n- [Industrial Light & Magic (ILM)](http://www.ilm.com/)\n"
            "- [Major League Soccer (MLS)](https://www.mlssoccer.com/)\n- [Skywalker Ranch](http://lucasfilm.com/ranch)")
    summary = extract.summary("", body, "Kristina Sontag, Software Test Manager", 220)
    assert summary == "For our first episode we interview Kristina Sontag, who runs the test department."
    assert extract.key_points(body, summary, "Kristina Sontag", limit=5, chars=200) == (
        "She got her start playing games for a living at LucasArts.",)
    # a name with a dot is no address: "Amazon.com", "Node.js", a version, a file
    assert extract.summary("", "[Amazon.com](https://amazon.com) reported record sales in its third quarter.",
                           "Q3", 220) == "Amazon.com reported record sales in its third quarter."


def test_key_points_skip_reddit_and_podcast_footers_and_bare_addresses():
    body = ("Power draw stays below 600 W for the pair of cards.\n\n"
            "See [omnystudio.com/listener](https://omnystudio.com/listener) for privacy information.\n\n"
            "Learn more about your ad choices. Visit megaphone.fm/adchoices\n\n"
            "Hosted on Acast. See acast.com/privacy for more information.\n\n"
            "The weights are on huggingface.co/org/model for everyone to try.\n\n"
            "It runs on Node.js/Deno and Bun without changes.\n\n"
            "submitted by [/u/Ok\\_Relative5802](https://www.reddit.com/user/Ok_Relative5802) [\\[link\\]](https://r.example/1) "
            "[\\[comments\\]](https://r.example/1)")
    points = extract.key_points(body, "", "Two cards", limit=8, chars=200)
    assert points == ("Power draw stays below 600 W for the pair of cards.", "It runs on Node.js/Deno and Bun without changes.")


def test_the_summary_is_the_first_real_sentence_and_never_the_title():
    content = ("![hero](https://x.example/a.png)\n\n# Big news\n\nBy Jane Doe\n\nhttps://x.example/a\n\n"
               "Big news\n\nThe council approved the bridge on Tuesday. It opens in May.\n\n"
               "The post Big news appeared first on Daily.")
    assert extract.summary("", content, "Big news", 220) == "The council approved the bridge on Tuesday."
    assert extract.summary("Big news", content, "Big news", 220) == "The council approved the bridge on Tuesday."
    points = extract.key_points(content, "The council approved the bridge on Tuesday.", "Big news", limit=5, chars=200)
    assert points == ("It opens in May.",)     # not the byline, the URL, the heading or the boilerplate


def test_key_points_skip_images_links_boilerplate_and_urls():
    content = ("Intro text that says what happened today.\n\n"
               "- ![chart](https://x.example/c.png)\n- Read [the paper](https://arxiv.org/abs/1) for every detail.\n"
               "- The post X appeared first on Y.\n- See https://very.example/long/path?a=1 for the data set.\n"
               "- Intro text that says what happened today.")
    points = extract.key_points(content, "Intro text that says what happened today.", "T", limit=5, chars=200)
    assert points == ("Read the paper for every detail.",)     # not one with its URL cut out


# -- real feeds' quirks, end to end ----------------------------------------------------
def test_lines_set_apart_by_line_breaks_are_no_run_on_sentence():
    # a JSON Feed's "There's a Developer site<br>There's a font creator: Caps<br>…" (lukedorny.com) was
    # one summary; a software catalogue's "Developer: X<br>Language: Y<br>Description: …" too
    body = to_markdown("<p>There's a <a href='https://play.date/dev/'>Developer site</a><br>There's a font creator: "
                       "<a href='https://play.date/caps/'>Caps</a><br>There's a <a href='https://podcast.play.date/'>"
                       "Podcast</a><br>There's a <a href='https://play.date/games/'>Game directory</a></p>"
                       "<p>I sat on this post for nine months so I'd have time to write more.</p>", BASE)
    assert extract.summary("", body, "Play", 220) == "I sat on this post for nine months so I'd have time to write more."
    listing = to_markdown("<p>Developer: MobiFactor<br>Language: English<br>License: Free<br>"
                          "<b>Description:</b> A music player for Symbian phones with skins and album covers<br>"
                          "- plays MP3, OGG and AAC files from the memory card</p><p>player_v1.15.zip (1 MB)</p>", BASE)
    assert extract.summary("", listing, "PowerMP3", 220) == \
        "Description: A music player for Symbian phones with skins and album covers"
    assert extract.key_points(listing, extract.summary("", listing, "PowerMP3", 220), "PowerMP3", limit=5, chars=200) \
        == ("plays MP3, OGG and AAC files from the memory card",)
    # lines that are sentences (a poem's, a letter's), or two that end one, stay the paragraph they are
    verse = to_markdown("<p>The model shipped on Monday.<br>It ran out of memory on Tuesday.<br>We fixed it</p>", BASE)
    assert extract.summary("", verse, "Week", 220) == "The model shipped on Monday."


def test_a_slight_sentence_or_a_question_is_no_key_point():
    # tenderlovemaking.com's points were "It's been a while.", "I know, I know.", "I suck at blogging."
    body = ("Hey internet. How are you doing? Ya. It's been a while. I know, I know. Which one is better? "
            "The new parser reads HTML and XML in one pass. It opens in May. This was not a cyberattack. "
            "Thank you very much.")
    points = extract.key_points(body, "How are you doing?", "Nokogiri is released", limit=5, chars=200)
    assert points == ("The new parser reads HTML and XML in one pass.", "It opens in May.", "This was not a cyberattack.")
    # a list's items stay points however short: a release's "Fix the lock file"
    items = "Changes:\n\n- Fix the lock file\n- Drop support for it"
    assert extract.key_points(items, "", "v2.0", limit=5, chars=200) == ("Fix the lock file", "Drop support for it")


def test_a_german_date_does_not_end_a_sentence():
    text = "Seit dem 2. Februar gelten die ersten Verbote. Am 19. Juli 2024 fielen Rechner aus. It shipped in 2024. Then more."
    assert sentences(text) == ["Seit dem 2. Februar gelten die ersten Verbote.", "Am 19. Juli 2024 fielen Rechner aus.",
                               "It shipped in 2024.", "Then more."]


def test_a_key_point_that_says_the_summary_again_in_other_words_is_left_out():
    summary = "CrowdStrike is assisting customers impacted by a defect found in a single content update for Windows hosts."
    body = ("CrowdStrike is assisting customers affected by a defect found in a single content update for Windows "
            "hosts. Mac and Linux hosts were not impacted. This was not a cyberattack.")
    points = extract.key_points(body, summary, "Statement on Falcon", limit=5, chars=200)
    assert points == ("Mac and Linux hosts were not impacted.", "This was not a cyberattack.")


def test_real_feed_quirks_make_notes_a_person_would_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FeedServer() as server:
        for path in sorted(QUIRKS.iterdir()):
            server.add(f"/{path.name}", Static(path.read_bytes()))
        config = tmp_path / "config.toml"
        config.write_text('[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n' + "".join(
            f'[[feeds]]\nurl = "{server.url("/" + p.name)}"\n' for p in sorted(QUIRKS.iterdir())), "utf-8")
        kbsync("sync", "--config", str(config))
        before = snapshot(tmp_path / "vault")
        kbsync("sync", "--config", str(config))
        assert snapshot(tmp_path / "vault") == before
    written = {loads_note(p.read_text("utf-8"))[0]["title"]: p.read_text("utf-8") for p in notes(tmp_path / "vault")}
    problems = [f"{title}: {p}" for title, text in written.items() for p in note_problems(text)]
    assert problems == []
    sources = {loads_note(t)[0]["source"] for t in written.values()}
    assert {"Tech Weekly – News", "Release notes from uv", "AI Explained", "Latent Talk", "Interconnects",
            "机器之心"} <= sources                            # named by their own titles
    wp = written["Opus 4.6 costs $20,000 less: C# and e-mail support"]
    props, body = loads_note(wp)
    assert props["summary"].startswith("Anthropic’s Opus 4.6 lowers the bill by 70% for most teams, according to Dr. Smith")
    assert "![Photo](https://techweekly.example/img/hero.png)" in body and "![[" not in body
    assert "C# and handles e-mail threads with a=b style configs (2.0)" in body
    assert "<https://www.youtube.com/watch?v=abc_DEF-1>" in body
    assert "\\=\\=great\\=\\= for \\[\\[wiki]] fans and \\#launch parties" in body
    assert "`price_usd = $20_000`" in body and "costs $20,000 instead of $50,000" not in body  # two "$": escaped
    assert re.search(r"^### Opus 4\.6 costs", body, re.M) and not re.search(r"^## (?!Key points|Article|Related|My notes)", body, re.M)
    assert "appeared first on" not in body.split("## Article")[0]
    assert "## Article\nThe city council approved" in written["Empty content, full description"]
    sub_props, sub = loads_note(written["Why reasoning models think in $ and %"])
    assert "$T=[0.3, 0.7]$" in sub and "T=[0.30.7]" not in sub and "\\$5-\\$10" in sub
    assert "Thanks for reading" not in sub and "Subscribe now" not in sub   # nor in its body
    zh_props, zh = loads_note(written["大模型推理成本下降一半"])
    assert zh_props["summary"] == "大模型推理成本在过去一年下降了一半。"
    assert "这得益于新的批处理技术！" in zh.split("## Article")[0]
    yt_props, yt = loads_note(written["GPT-5.3 vs Opus 4.6 | Full test [4K]"])
    assert yt_props["summary"] == "We test both models on 40 coding tasks and compare cost per task."
    # a video's note plays it: Obsidian embeds a YouTube link written as an image
    assert "## Article\n![](https://www.youtube.com/watch?v=abc_DEF-1)\n\nWe test both models" in yt
    assert "![](https://www.youtube.com" not in wp       # a page that only links a video embeds none
    assert "- Watch the demo at" not in wp and "DEF-1 for details" not in wp.split("## Article")[0]
    # Reddit: the "submitted by /u/… [link] [comments]" footer is no summary and no key point;
    # the post's own text keeps its identifiers and its ">"
    rd_props, rd = loads_note(written["Two 3090s for a 70B model: my numbers"])
    rd_points = rd.split("## Article")[0]
    assert rd_props["summary"].startswith("I moved my 70B model to two used 3090 cards")
    assert "submitted by" not in rd_points and "[comments]" not in rd_points
    assert "Latency > 2 s only shows up on prompts over ~6k tokens." in rd_points
    link_props, link = loads_note(written["A survey of quantization methods, 2026 edition"])
    assert "submitted by" not in link_props.get("summary", "") and "submitted by" not in link.split("## Article")[0]
    assert not [p for p in (tmp_path / "vault").rglob("*.md") if "submitted by" in p.read_text("utf-8")
                and p.parent.name in ("Daily", "Weekly")]          # nor in the digests that list it
    # podcast hosts' footers are no key points
    ep_props, ep = loads_note(written["Ep. 41: Evals"])
    assert "privacy information" not in ep and "ad choices" not in ep           # nor in its body
    assert "appeared first on" not in wp                                       # WordPress's footer line
    # arXiv: the listing line and the "Abstract:" label are no part of the summary; a paper is Research
    ax_props, ax = loads_note(written["Sparse Mixture-of-Experts Routing for Long-Context Agents"])
    assert ax_props["summary"] == ("Long-context language model agents spend most of their inference budget on "
                                   "attention over tool outputs.")
    assert ax_props["category"] == "Research" and "Announce Type" not in ax.split("## Article")[0]
    # Medium: no description, so feedparser's summary is the whole post flattened; its subtitle
    # (an <h4>) and its figure's caption are no part of the first sentence, the caption is no key
    # point, nor the lead-in to a list or the paywall note; its "originally published" footer and
    # the rule above it leave the note
    md_props, md = loads_note(written["What we learned serving a 70B model on one node"])
    md_points = md.split("## Article")[0]
    assert md_props["summary"] == "We moved our 70B assistant from two nodes to one in January."
    assert "Our serving rack" not in md_points and "Here is what made the difference" not in md_points
    assert "Medium Members" not in md_points and "Paged attention let us double the batch" in md_points
    assert "originally published" not in md and not re.search(r"^---\s*$", md.split("## Article")[1], re.M)


# -- 12.6 an archive is not a digest --------------------------------------------------------
def test_only_recent_days_and_weeks_get_a_digest():
    cfg = RollupConfig(digest_days=3, digest_weeks=2)
    newest = datetime(2026, 2, 7, 12, tzinfo=timezone.utc)       # a Saturday
    days = {date(2026, 2, 7) - timedelta(days=n) for n in range(10)}
    assert recent_days(days, newest, cfg) == {date(2026, 2, 5), date(2026, 2, 6), date(2026, 2, 7)}
    assert recent_weeks({"2026-W06", "2026-W05", "2026-W04", "2000-W05"}, newest, cfg) == {"2026-W06", "2026-W05"}
    assert recent_days(days, None, cfg) == days


def _archive_feed() -> bytes:
    items = []
    for year in range(2000, 2026):
        items.append(f"<item><title>Archive post of {year}</title><link>https://old.example/{year}</link>"
                     f"<pubDate>Mon, 07 Feb {year} 10:00:00 GMT</pubDate>"
                     f"<description>An old post from the year {year}, kept for the record.</description></item>")
    items.append("<item><title>This week's post</title><link>https://old.example/now</link>"
                 "<pubDate>Fri, 06 Feb 2026 10:00:00 GMT</pubDate><description>New words for this week.</description></item>")
    return ('<rss version="2.0"><channel><title>Old Blog</title><link>https://old.example/</link>'
            + "".join(items) + "</channel></rss>").encode()


def test_a_long_archive_gets_notes_but_digests_only_for_recent_periods(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    feed = tmp_path / "archive.xml"
    feed.write_bytes(_archive_feed())
    config = tmp_path / "config.toml"
    config.write_text(f'[vault]\npath = "vault"\n[scoring]\nbackend = "heuristic"\n[rollups]\ndigest_days = 7\n'
                      f'digest_weeks = 2\n[[feeds]]\nurl = "{feed}"\n', "utf-8")
    kbsync("sync", "--config", str(config))
    vault = tmp_path / "vault"
    assert len(notes(vault)) == 27
    assert sorted(p.stem for p in (vault / "Daily").glob("*.md")) == ["2026-02-06"]
    assert sorted(p.stem for p in (vault / "Weekly").glob("*.md")) == ["2026-W06"]
    out = kbsync("rollup", "--week", "2000-W06", "--config", str(config)).output
    assert "created" in out and (vault / "Weekly" / "2000-W06.md").exists()
    assert "Archive post of 2000" in (vault / "Weekly" / "2000-W06.md").read_text("utf-8")
    before = snapshot(vault)
    kbsync("sync", "--config", str(config))
    assert snapshot(vault) == before


# the characters markup is made of, where it can be (a line's start, after a quote's ">"), and
# others that decide it (a space or a letter beside, an escaped character, the passes' stand-in)
_MARKUP_PIECES = st.sampled_from(
    list(" \t\n\r#*_`>~+-.0123456789ab中,\u3000\ue030\ufdd2\ufdd4")
    + ["\n> ", "\n>", "> >", "\n- ", "\n  * ", "\n1. ", "**", "__", "```", "~~"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_MARKUP_PIECES, max_size=30).map("".join))
def test_the_fast_markup_passes_take_out_exactly_what_the_reference_pattern_does(text):
    """``plain_text`` drops markup in two passes that run 4x faster than the one pattern that
    defines it (``text._MARKUP``); they must find the same matches in any text."""
    from sync import text as T

    assert T._markup_gone(text) == T._MARKUP.sub("", text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(list(".!?…۔؟。！？\"'”’»)]」』）x中 \n\t") + ["...", "?!", "。」"]), max_size=30).map("".join))
def test_sentence_ends_are_found_where_the_plain_pattern_finds_them(text):
    """``text._END`` is written to open with the end mark (a faster scan); it finds the ends the
    plain pattern it stands for finds."""
    from sync import text as T

    plain = re.compile(r"[.!?…۔؟]+[\"'”’»)\]]*(?=\s)|[。！？]+[”’」』）)\"']*")
    assert [m.span() for m in T._END.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_quotes_paragraphs_are_read_as_paragraphs_without_their_markers():
    # Daring Fireball quoting TechDirt quoting a poll: a key point read "> > (1) Should unlock the
    # iPhone …", and the summary "The question asked was > As you may know, …": nested markers were
    # left, and an empty quote line (">") joined the quote's paragraphs into one
    content = ("Mike Masnick, writing for TechDirt:\n\n> The question was put plainly to them.\n>\n"
               "> > As you may know, the FBI has said that accessing the iPhone is important.\n> >\n"
               "> > (1) Should unlock the iPhone (2) Should not unlock the iPhone (3) Don’t Know.\n>\n"
               "> *But that’s not the issue in this case!*\n\n"
               "[Apple’s answer](https://x.io/a)\n> The answer will be published here after 30 days.")
    assert list(extract._paragraphs(content)) == [
        "Mike Masnick, writing for TechDirt:", "The question was put plainly to them.",
        "As you may know, the FBI has said that accessing the iPhone is important.",
        "(1) Should unlock the iPhone (2) Should not unlock the iPhone (3) Don’t Know.",
        "*But that’s not the issue in this case!*",
        # a quote right after a line, with no blank line between (the HTML converter writes it so)
        "[Apple’s answer](https://x.io/a)", "The answer will be published here after 30 days."]
    assert extract.summary("", content, "Pew’s poll", 200) == "The question was put plainly to them."
    assert extract.key_points(content, "The question was put plainly to them.", "Pew’s poll", limit=5, chars=200)[:2] == (
        "As you may know, the FBI has said that accessing the iPhone is important.",
        "(1) Should unlock the iPhone (2) Should not unlock the iPhone (3) Don’t Know.")
    # a list or a heading inside a quote is one as it is outside
    assert list(extract._paragraphs("> ## Update\n>\n> - first item of the list\n> - second item")) == [
        "first item of the list", "second item"]


def test_an_embedded_posts_attribution_and_a_paywall_note_are_no_key_points():
    # every embedded tweet ends with its author's line; Medium's note on a story still behind its paywall
    content = ("Netflix quote-tweeted the rap on Twitter, casually saying it was a good idea.\n\n"
               "> good idea <https://t.co/PIIix3MZUK>\n>\n"
               "> — Netflix Is A Joke (@NetflixIsAJoke) [April 4, 2022](https://twitter.com/x/status/1)\n\n"
               "The category lists films shorter than ninety minutes, organised by genre.\n\n"
               "[Wild Flavors](https://medium.com/x)\n> The story will be unlocked and available to all of our readers after 30 days.")
    points = extract.key_points(content, "", "Netflix adds a category", limit=5, chars=200)
    assert points == ("Netflix quote-tweeted the rap on Twitter, casually saying it was a good idea.",
                      "The category lists films shorter than ninety minutes, organised by genre.")
    # a line of dialogue that opens with a dash is prose
    assert extract._is_prose("— Да, — сказал он, и мы пошли домой вдвоём.")
    # a show's credits (every Off Menu episode ends with two) are no point of the episode; a sentence
    # with "produced by" in it is
    for credit in ("Recorded and edited by Ben Williams for Plosive Productions.",
                   "Artwork by Paul Gilbey (photography and design) and Amy Browne (illustrations).",
                   "Produced, mixed and mastered by Jane Roe.", "Theme music by Kevin MacLeod."):
        assert not extract._is_prose(credit), credit
    assert extract._is_prose("The output produced by such tools is incorrect.")
    # an aside without a sentence in it (Golem ends each teaser with its topics in parentheses); an
    # aside that is a sentence is prose
    assert not extract._is_prose("(Tesla Model 3, Technologie)")
    assert not extract._is_prose("(Overcast timestamp where smartwatch power-consumption analysis begins)")
    assert extract._is_prose("(Update: the company has since responded to our questions.)")


def test_a_line_of_links_is_no_key_point_but_still_opens_the_article():
    # It Will Never Work in Theory's talks end with "[slides] / Transcript: [English] [Español]"; CRE's
    # show notes are names linked and set apart by dashes: each was a key point ("slides Transcript:
    # English Español")
    content = ("Gustavo is Head of Research at Zup Innovation and a professor in Brazil.\n\n"
               "[slides](https://x.io/s.pdf)  \nTranscript: [English](https://x.io/en.txt) [Español](https://x.io/es.txt)\n\n"
               "[Eberhard Zwicker](https://x.io/1) — [Signalverarbeitung](https://x.io/2) — [Kybernetik](https://x.io/3)\n\n"
               "[OpenAI](https://x.io/o) released [GPT-5](https://x.io/g) to every user this week.")
    assert extract.key_points(content, "", "Talk", limit=5, chars=200) == (
        "Gustavo is Head of Research at Zup Innovation and a professor in Brazil.",
        "OpenAI released GPT-5 to every user this week.")
    # a feed summary that flattens the article, links and all, is still known for its opening: the
    # article's own first sentence is the summary
    flat = ("slides Transcript: English Español Eberhard Zwicker — Signalverarbeitung — Kybernetik "
            "OpenAI released GPT-5 to every user this week.")
    assert extract.summary(flat, content.split("\n\n", 1)[1], "Talk", 200) == \
        "OpenAI released GPT-5 to every user this week."


def test_a_byline_that_names_the_kind_of_piece_is_no_key_point():
    # every Golem item ends with one
    content = ("Der Microsoft-Angestellte beschreibt den Wandel bei Microsoft als kulturell getrieben. "
               "Das Unternehmen hat noch viel Arbeit vor sich.\n\n"
               "Ein Bericht von Sebastian Grüner (Microsoft, Softwarepatent)\n\nAn analysis by Jane Doe")
    points = extract.key_points(content, "Der Microsoft-Angestellte beschreibt den Wandel bei Microsoft als "
                                "kulturell getrieben.", "Linux und Patente", limit=5, chars=200)
    assert points == ("Das Unternehmen hat noch viel Arbeit vor sich.",)
