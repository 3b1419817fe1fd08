"""Finding the nearest digibank through the real PTB client and the emulator."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN_ID, Citizen


def cards(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["text"] and "📏" in m["text"]]


async def ask_where(ann: Citizen) -> dict:
    [question] = await ann.tap("Zoek een digibank")
    keyboard = question["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    return question


async def test_shared_location_gives_the_three_nearest_open_or_not(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ask_where(ann)
    await emu.send_location(ann.id, 50.8860, 4.7370)  # Kessel-Lo
    replies = await ann.replies(5)
    found = cards(replies)
    assert len(found) == 3
    assert "Digipunt Kessel-Lo" in found[0]["text"]
    assert "Openingsuren niet gekend" in found[0]["text"]  # never guessed
    assert replies[0]["reply_markup"] == {"remove_keyboard": True}
    [venue] = await ann.tap("Toon op de kaart")
    assert venue["venue"]["title"]


@pytest.mark.parametrize(
    ("typed", "first_site"),
    [
        ("8500", "Stadsbibliotheek Kortrijk"),  # a postcode
        ("Kortrijk", "Stadsbibliotheek Kortrijk"),  # a Dutch name
        ("Courtrai", "Stadsbibliotheek Kortrijk"),  # its French name
        ("Louvain", "Stad Leuven"),
        ("Gentt", "Gent"),  # a typo
        ("Wijgmaal", "Digipunt Wijgmaal"),  # a sub-municipality
        ("Berchem", None),  # two places are called so: a choice
    ],
)
async def test_typed_places(emu, start_bot, typed, first_site):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ask_where(ann)
    if first_site is None:
        [choice] = await ann.say(typed)
        assert "Welke bedoel je" in choice["text"]
        replies = await ann.tap("Antwerpen", count=5)
        first_site = "Posthof"
    else:
        replies = await ann.say(typed, count=5)
    assert first_site in cards(replies)[0]["text"], replies


async def test_location_outside_belgium(emu, start_bot):
    await start_bot()
    ann = Citizen(emu, language="fr")
    await ann.onboard("Français")
    await emu.send_location(ann.id, 48.8566, 2.3522)  # Paris, without being asked
    replies = await ann.replies(5)
    assert "Flandre" in replies[0]["text"] or "Bruxelles" in replies[0]["text"]
    assert len(cards(replies)) == 3


async def test_unknown_place_and_unknown_postcode(emu, start_bot):
    await start_bot()
    ann = Citizen(emu)
    await ann.onboard()
    await ask_where(ann)
    [answer] = await ann.say("Atlantis")
    assert "ken ik niet" in answer["text"]
    [answer] = await ann.say("0000")
    assert "0000" in answer["text"]


async def test_organiser_updates_sites_by_sending_the_file_back(emu, start_bot):
    await start_bot()
    admin = Citizen(emu, "Boss", language="en", user_id=ADMIN_ID)
    await admin.onboard("English")
    [link] = await admin.say("/invite organiser leuven")
    code = link["text"].split("start=")[1].split()[0]
    olga = Citizen(emu, "Olga", language="en")
    await olga.onboard("English", payload=code)
    replies = await olga.say("/sites", count=3)
    [document] = [m for m in replies if m["document"]]
    yaml_text = document["document"]["data"].decode()
    assert "leuven-kessel-lo" in yaml_text and "kortrijk" not in yaml_text
    changed = yaml_text.replace("name: Digipunt Kessel-Lo", "name: Digipunt Kessel-Lo (bib)")
    await emu.send_document(olga.id, "digibank-sites.yaml", changed.encode())
    [saved] = await olga.replies()
    assert "1 changed" in saved["text"]
    ann = Citizen(emu)
    await ann.onboard()
    replies = await ann.say("3010", count=5)
    assert "Digipunt Kessel-Lo (bib)" in cards(replies)[0]["text"]
