"""An emulator of the Telegram Bot API for end-to-end tests and the local playground.

    emu = BotApiEmulator()
    await emu.start()                      # or emu.install(app) + emu.set_base_url(url)
    bot = telegram.Bot(emu.token, base_url=f"{emu.base_url}/bot",
                       base_file_url=f"{emu.base_url}/file/bot")
    ann = emu.add_user("Ann")
    await emu.send_text(ann.id, "/start")  # an update for the bot (getUpdates or webhook)
    [reply] = await emu.wait_for_bot_messages(ann.id)
    emu.inject(Fault(method="sendMessage", status=429, retry_after=1))
    await emu.wait_idle()                  # no update waiting, no call being answered
    await emu.stop()

Groups: ``add_group(title, is_forum=True)`` makes a forum supergroup the bot administers; the
bot manages its topics (createForumTopic…) and users write in them (``send_text_in_group``,
``create_topic``). As in Telegram, a message in a topic replies to the topic's first message
unless it replies to another one.

Modules: ``emulator`` (the public class), ``bot_api`` + ``methods_*`` (the Bot API),
``client_api`` (the ``/_emulator`` JSON API of the playground page), ``html_check`` and
``formatting`` (Telegram's text rules), ``reply_markup``, ``updates`` + ``webhook``
(delivery), ``faults``, ``state`` + ``models`` + ``files`` + ``events`` (what it remembers).

Deliberate simplifications: Markdown parse modes are accepted but not interpreted (the text is
kept as sent, without entities); inline mode, payments, media groups and chat administration
(banning, promoting, permissions) are not emulated (their methods answer 404 Not Found); the
bot's privacy mode is not applied, as for a bot that administers its groups.
"""

from .emulator import DEFAULT_TOKEN, BotApiEmulator
from .faults import Fault
from .models import EmuUser

__all__ = ["DEFAULT_TOKEN", "BotApiEmulator", "EmuUser", "Fault"]
