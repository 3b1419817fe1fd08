"""Telegram-HTML parsing: plain text, entity offsets in UTF-16, and Telegram's error texts."""

from __future__ import annotations

import pytest

from bot.emulator.html_check import HtmlParseError, parse_html


def test_plain_text_and_basic_entities() -> None:
    text, entities = parse_html('Hi <b>Ann</b>, see <a href="https://x.be/?a=1&amp;b=2">here</a>')
    assert text == "Hi Ann, see here"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 12, "length": 4, "url": "https://x.be/?a=1&b=2"},
    ]


def test_offsets_count_utf16_code_units() -> None:
    # "🏦" is one code point but two UTF-16 code units.
    text, entities = parse_html("🏦 <i>é</i> <code>x</code>")
    assert text == "🏦 é x"
    assert entities == [
        {"type": "italic", "offset": 3, "length": 1},
        {"type": "code", "offset": 5, "length": 1},
    ]


def test_escapes_nesting_and_special_tags() -> None:
    html = (
        "&lt;1&gt; &amp; &quot;q&quot; &#39;&#x41; "
        '<b><i>bi</i></b><tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span>'
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>quote</blockquote><u>u</u><s>s</s><em>e</em><strong>t</strong>"
    )
    text, entities = parse_html(html)
    assert text == '<1> & "q" \'A bisp' + "x = 1" + "quoteuset"
    assert sorted((e["offset"], e["type"]) for e in entities) == [
        (13, "bold"), (13, "italic"), (15, "spoiler"), (16, "spoiler"), (17, "pre"),
        (22, "expandable_blockquote"), (27, "underline"), (28, "strikethrough"),
        (29, "italic"), (30, "bold"),
    ]  # fmt: skip
    pre = next(e for e in entities if e["type"] == "pre")
    assert pre["language"] == "python"


def test_empty_tags_make_no_entity() -> None:
    assert parse_html("a<b></b>b") == ("ab", [])


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<x>hi</x>", 'Unsupported start tag "x" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("é<br/>", 'Unsupported start tag "br/" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        (
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<a href=", 'Unclosed start tag "a" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
    ],
)
def test_errors_are_worded_like_telegram(html: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as error:
        parse_html(html)
    assert str(error.value) == reason


def test_a_bare_ampersand_is_kept_literally() -> None:
    assert parse_html("Q&A & co") == ("Q&A & co", [])
