"""The nearest-digibank dialogue on the shipped seed data (Dutch and French)."""

from __future__ import annotations

import pytest

from flows import events
from flows.actions import Reply, SendVenue
from storage.seeding import load_seed_if_empty
from tests.flows.harness import Chat


@pytest.fixture
async def chat(sqlite_db):
    await load_seed_if_empty(sqlite_db)
    chat = Chat(sqlite_db)
    await chat.onboard()
    return chat


def cards(chat: Chat) -> list[Reply]:
    return [a for a in chat.actions if isinstance(a, Reply) and "📏" in a.text]


async def test_menu_asks_where_with_a_location_button(chat):
    await chat.press("Zoek een digibank")
    [question] = chat.actions
    assert question.keyboard[0][0].request_location
    assert "postcode" in question.text


async def test_postcode_gives_three_nearest_sites_nearest_first(chat):
    await chat.press("Zoek een digibank")
    await chat.text("3010")
    found = cards(chat)
    assert len(found) == 3
    assert "Kessel-Lo" in found[0].text
    assert "Leuven" in chat.joined()
    distances = [c.text for c in found]
    assert all("km" in d or " m " in d or "m\n" in d for d in distances)


async def test_postcode_typed_outside_the_flow_also_searches(chat):
    await chat.text("8500")
    assert "Stadsbibliotheek Kortrijk" in cards(chat)[0].text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Gent", "Gent"),
        ("Gand", "Gent"),
        ("Courtrai", "Kortrijk"),
        ("Louvain", "Leuven"),
        ("kesel-lo", "Kessel-Lo"),  # a typo and a sub-municipality
        ("Wijgmaal", "Wijgmaal"),
        ("Tongeren-Borgloon", "DIGbij"),
        ("BORGLOON", "DIGbij"),
    ],
)
async def test_place_names_in_dutch_and_french_with_typos(chat, typed, expected):
    await chat.press("Zoek een digibank")
    await chat.text(typed)
    assert expected in "\n".join(c.text for c in cards(chat)), chat.joined()


async def test_unverified_addresses_are_never_shown_as_certain(chat):
    await chat.text("2600")
    posthof = next(c for c in cards(chat) if "Posthof" in c.text)
    assert "niet bevestigd" in posthof.text


async def test_unknown_place_says_so_and_asks_again(chat):
    await chat.press("Zoek een digibank")
    await chat.text("Xyzzyville")
    assert "ken ik niet" in chat.joined()
    assert chat.actions[-1].keyboard  # the location button again


async def test_unknown_postcode(chat):
    await chat.text("0999")
    assert "0999" in chat.joined()


async def test_ambiguous_name_offers_a_choice(chat):
    await chat.press("Zoek een digibank")
    await chat.text("Berchem")
    labels = [b.label for b in chat.buttons()]
    assert any("Antwerpen" in label for label in labels)
    assert any("Kluisbergen" in label for label in labels)
    await chat.press("Antwerpen")
    assert "Posthof" in cards(chat)[0].text


async def test_location_outside_belgium_gets_a_note(chat):
    await chat.send(events.Location(chat.sender, 50.6292, 3.0573))  # Lille
    assert "alleen in Vlaanderen en Brussel" in chat.joined()
    assert len(cards(chat)) == 3


async def test_map_button_sends_a_venue(chat):
    await chat.text("8500")
    await chat.press("kaart")
    [venue] = chat.actions
    assert isinstance(venue, SendVenue)
    assert venue.title == "Stadsbibliotheek Kortrijk"
    assert "niet bevestigd" in venue.address


async def test_a_keyword_while_asked_for_a_place_still_works(chat):
    await chat.press("Zoek een digibank")
    await chat.text("hulp")
    assert "Hoe werkt het" in chat.joined()


async def test_no_sites_loaded_is_a_clear_message(sqlite_db):
    chat = Chat(sqlite_db)
    await chat.onboard()
    await chat.text("9000")
    assert "1700" in chat.joined()
    assert not cards(chat)


async def test_deep_link_filters_by_need(chat):
    await chat.command("start", "near_lending")
    assert "Waar ben je" in chat.joined()
    await chat.text("3010")  # the Leuven digipunten do not lend devices
    found = cards(chat)
    assert "lenen" in chat.joined()
    assert all("Leuven" not in card.text.split("\n")[1] for card in found)


async def test_deep_link_before_onboarding_starts_onboarding_first(sqlite_db):
    await load_seed_if_empty(sqlite_db)
    newcomer = Chat(sqlite_db, user_id=77)
    await newcomer.command("start", "near")
    assert any("Nederlands" in b.label for b in newcomer.buttons())
