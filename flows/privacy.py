"""/privacy (what we store, why, how long, who sees it) and /forget (erase everything)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from flows import menu, navigation
from flows.actions import Action, Reply
from flows.button_codec import ButtonCodec
from flows.context import Context
from flows.i18n import _, ngettext

FORGET_FLOW = "forget"


@dataclass(frozen=True)
class Forget:
    """Yes, delete everything."""

    TAG: ClassVar[str] = "yes"


@dataclass(frozen=True)
class Keep:
    """No, keep it."""

    TAG: ClassVar[str] = "no"


FORGET_BUTTONS = ButtonCodec(Forget, Keep)


def retention_period(days: int) -> str:
    """'12 months' in the current language, with its plural rules."""
    months = max(1, round(days / 30.44))
    return ngettext("{count} month", "{count} months", months).format(count=months)


async def show_privacy(ctx: Context, finish: bool = True) -> list[Action]:
    text = _(
        "🔒 <b>Your privacy</b>\n\n"
        "<b>What do we save?</b>\n"
        "• your Telegram number, so we can answer you\n"
        "• the language you chose\n"
        "• when you said OK and when you last wrote\n"
        "• for staff only: their role (digibuddy or organiser)\n\n"
        "<b>What do we not save?</b>\n"
        "Your name, your phone number and your messages.\n\n"
        "<b>Why?</b> To help you, in your language.\n"
        "<b>How long?</b> Until {period} after your last message. Then we delete it.\n"
        "<b>Who sees it?</b> Only the digibank team that runs this bot. "
        "We never sell it and never give it to others.\n\n"
        "Telegram itself also sees your messages. Telegram has its own privacy rules.\n\n"
        "🗑️ Delete everything now: /forget"
    ).format(period=retention_period(ctx.settings.retention_days))
    text += "\n\n" + _(
        "📍 When you share your location or type a town, we use it only to find "
        "the nearest digibank. We do not save it."
    )
    text += "\n\n" + _(
        "💬 When you talk to a person, we keep that chat for {days} days so the digibuddy "
        "can help you. Then we delete it. Only the digibuddies of your digibank see it."
    ).format(days=ctx.settings.case_retention_days)
    text += "\n\n" + _(
        "📅 When you book help, we save the place, the time, the topic and your language, "
        "so the digibuddies can expect you. {days} days after the appointment, we remove "
        "your Telegram number from it. What is left only counts how many people came."
    ).format(days=ctx.settings.case_retention_days)
    if not finish:
        return [Reply(text)]
    ctx.finish()
    return [Reply(text, buttons=(menu.home_row(),))]


async def ask_forget(ctx: Context) -> list[Action]:
    ctx.ask(FORGET_FLOW, "confirm")
    text = _(
        "🗑️ <b>Delete all your data?</b>\n"
        "We delete everything we know about you. This cannot be undone."
    )
    return [
        Reply(
            text,
            buttons=(
                (ctx.step_button(_("🗑️ Yes, delete everything"), FORGET_BUTTONS.encode(Forget())),),
                (ctx.step_button(_("↩️ No, keep it"), FORGET_BUTTONS.encode(Keep())),),
            ),
        )
    ]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    button = FORGET_BUTTONS.decode(value)
    if isinstance(button, Forget):
        told = await navigation.before_forget(ctx)
        await ctx.repos.users.forget(ctx.user.id)
        ctx.forgotten = True
        done = _("✅ Done. We deleted everything we had about you.\nSend /start to begin again.")
        return [Reply(done), *told]
    if isinstance(button, Keep):
        return menu.main_menu(ctx, intro=_("👍 OK, we keep everything as it was."))
    return None


async def prompt(ctx: Context) -> list[Action]:
    return await ask_forget(ctx)
