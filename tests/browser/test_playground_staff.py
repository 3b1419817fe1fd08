"""The playground page's staff side (issue 12): a role in one click, the bot's "/" menu,
tappable invite links that open as a new simulated user, and photos and files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.browser.conftest import page_settled
from tests.browser.test_playground_page import (
    FIRST_CITIZEN,
    bot_bubble,
    expect,
    open_playground,
    say,
)

if TYPE_CHECKING:
    from .conftest import FakeEmulatorClientApi


async def test_role_in_one_click_and_the_command_menu(
    page: Any, base_url: str, fake_api: FakeEmulatorClientApi
) -> None:
    await open_playground(page, base_url)
    commands = page.get_by_role("button", name="Commands")
    await expect(commands).to_be_visible()  # a citizen's "/" list
    await commands.click()
    menu = page.get_by_role("menu", name="The bot's commands")
    await expect(menu.get_by_role("menuitem")).to_have_count(1)
    await commands.click()
    await expect(menu).to_be_hidden()

    await page.get_by_role("button", name="Role").click()
    role = page.get_by_role("combobox", name="Play this user as")
    digibank = page.get_by_role("combobox", name="Digibank", exact=True)
    await role.select_option("admin")
    await expect(digibank).to_be_disabled()  # an admin handles every digibank
    await role.select_option("organiser")
    await expect(digibank).to_be_enabled()
    await digibank.select_option("leuven")
    await page.get_by_role("button", name="Set role").click()
    await expect(page.get_by_role("button", name="Role: Organiser")).to_be_visible()
    assert {
        "endpoint": "role",
        "user_id": FIRST_CITIZEN,
        "role": "organiser",
        "digibank": "leuven",
    } in fake_api.received

    await commands.click()
    await expect(menu.get_by_role("menuitem")).to_have_count(2)
    await menu.get_by_role("menuitem", name="/agenda").click()
    await expect(menu).to_be_hidden()
    await expect(bot_bubble(page, "You said: /agenda")).to_be_visible()


async def test_an_invite_link_opens_as_a_new_user_who_starts_with_its_code(
    page: Any, base_url: str, fake_api: FakeEmulatorClientApi
) -> None:
    await open_playground(page, base_url)
    await say(page, "invite")
    link = bot_bubble(page, "Invite link").get_by_role("link", name=fake_api.INVITE_LINK)
    await expect(link).to_be_visible()
    await link.click()
    await expect(page.get_by_label("Citizen", exact=True)).to_have_value(str(FIRST_CITIZEN + 1))
    await expect(bot_bubble(page, "You said: /start inv_Abc-123")).to_be_visible()
    assert fake_api.received[-1] == {
        "endpoint": "messages",
        "user_id": FIRST_CITIZEN + 1,
        "text": "/start inv_Abc-123",
    }
    assert len(page.context.pages) == 1  # nothing opened outside the playground

    # What a citizen types is never a link.
    await say(page, fake_api.INVITE_LINK)
    await page_settled(page, fake_api)
    await expect(page.locator(".message.from-user a")).to_have_count(0)


async def test_the_page_sends_a_photo_and_a_document(
    page: Any, base_url: str, fake_api: FakeEmulatorClientApi
) -> None:
    await open_playground(page, base_url)
    await expect(page.get_by_role("button", name="Send a photo or a file")).to_be_visible()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    await page.set_input_files(
        "#file-input", files=[{"name": "screen.png", "mimeType": "image/png", "buffer": png}]
    )
    await expect(page.locator(".message.from-user img.photo")).to_have_count(1)
    await page.set_input_files(
        "#file-input",
        files=[{"name": "sites.yaml", "mimeType": "application/yaml", "buffer": b"digibanks: []"}],
    )
    await expect(page.locator(".message.from-user .card.document")).to_contain_text("sites.yaml")
    assert [(f["kind"], f["name"], f["content_type"], f["data"]) for f in fake_api.files] == [
        ("photo", "screen.png", "image/png", png),
        ("document", "sites.yaml", "application/yaml", b"digibanks: []"),
    ]
