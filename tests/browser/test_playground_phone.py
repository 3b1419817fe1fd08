"""The playground page at phone size (390×844, issue 12): only the message list scrolls, the
newest message stays above the bot's keyboard, and each line reads in its own direction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.browser.conftest import page_settled
from tests.browser.test_playground_page import bot_bubble, expect, open_playground, say

if TYPE_CHECKING:
    from .conftest import FakeEmulatorClientApi

PHONE = {"width": 390, "height": 844}


async def test_long_chat_scrolls_the_list_not_the_page_and_keyboard_hides_nothing(
    page: Any, base_url: str, fake_api: FakeEmulatorClientApi
) -> None:
    await page.set_viewport_size(PHONE)
    await open_playground(page, base_url)
    for n in range(15):  # 30 bubbles: each message gets an answer
        await say(page, f"message {n} end")
        await expect(bot_bubble(page, f"You said: message {n} end")).to_be_visible()
    await say(page, "ask")
    question = bot_bubble(page, "Which topic is it about?")
    await expect(question).to_be_visible()
    keyboard = page.get_by_role("group", name="Keyboard from the bot")
    await expect(keyboard).to_be_visible()
    await page_settled(page, fake_api)

    assert await page.locator(".message").count() == 32
    scrolling, inner = await page.evaluate(
        "() => [document.scrollingElement.scrollHeight, innerHeight]"
    )
    assert scrolling <= inner, "the whole page scrolls"

    last = await page.locator(".message").last.locator(".bubble").bounding_box()
    keys = await keyboard.bounding_box()
    listed = await page.locator("#messages").bounding_box()
    assert last is not None and keys is not None and listed is not None
    assert last["y"] + last["height"] <= keys["y"] + 0.5, "the question is behind the keyboard"
    assert listed["y"] - 0.5 <= last["y"]
    assert last["y"] + last["height"] <= listed["y"] + listed["height"] + 0.5

    # Hiding and showing the keyboard again keeps the question in view.
    await page.get_by_role("button", name="Show the bot's keyboard").click()
    await expect(keyboard).to_be_hidden()
    await page.get_by_role("button", name="Show the bot's keyboard").click()
    await expect(keyboard).to_be_visible()
    last = await page.locator(".message").last.locator(".bubble").bounding_box()
    keys = await keyboard.bounding_box()
    assert last is not None and keys is not None
    assert last["y"] + last["height"] <= keys["y"] + 0.5


LINE_DIRECTION = """(line) => {
  const range = document.createRange();
  range.selectNodeContents(line);
  const rects = [...range.getClientRects()];
  const box = line.getBoundingClientRect();
  return {
    unicodeBidi: getComputedStyle(line).unicodeBidi,
    rtl: line.matches(':dir(rtl)'),
    gapLeft: Math.min(...rects.map((r) => r.left)) - box.left,
    gapRight: box.right - Math.max(...rects.map((r) => r.right)),
  };
}"""


async def test_each_line_reads_in_the_direction_of_its_first_letter(
    page: Any, base_url: str, fake_api: FakeEmulatorClientApi
) -> None:
    await page.set_viewport_size(PHONE)
    await open_playground(page, base_url)
    await say(page, "arabic lines")
    bubble = bot_bubble(page, "Digibank Gent").locator(".bubble")
    await expect(bubble).to_be_visible()
    assert await bubble.evaluate("(el) => getComputedStyle(el).direction") == "rtl"

    lines = bubble.locator(".text .line")
    await expect(lines).to_have_count(3)
    first, latin, last = [await lines.nth(n).evaluate(LINE_DIRECTION) for n in range(3)]
    for line in (first, latin, last):
        assert line["unicodeBidi"] == "plaintext"
    for arabic in (first, last):
        assert arabic["rtl"]
        assert arabic["gapRight"] < 1 < arabic["gapLeft"], arabic  # right-aligned
    assert not latin["rtl"]
    assert latin["gapLeft"] < 1, latin  # a Latin line starts on the left, as on a phone

    # What a citizen types is split the same way, and never parsed as HTML.
    await say(page, "arabic")
    user_line = page.locator(".message.from-user").last.locator(".line")
    await expect(user_line).to_have_text("arabic")
    assert await user_line.evaluate("(el) => getComputedStyle(el).unicodeBidi") == "plaintext"
