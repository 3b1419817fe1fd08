"""Writing to another person: in their language, never in the sender's.

A step runs in the language of the person who wrote (flows.i18n's current locale). A
message for someone else (a digibuddy, a citizen, an organiser) is made inside
`speaking_to`, so its texts, buttons, dates and times are in that person's language:

    with await speaking_to(ctx, case.assignee_id):
        text = _("✅ Question #{id} was closed by the person.").format(id=case.id)
    actions.append(Notify(case.assignee_id, text))
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flows.context import Context
from flows.i18n import use_locale


async def locale_of(ctx: Context, user_id: int, fallback: str | None = None) -> str:
    """The language to write to that user in: theirs, else `fallback` (a case's language
    for its citizen), else the default."""
    user = await ctx.repos.users.get(user_id)
    return (user.locale if user else None) or fallback or ctx.settings.default_locale


async def speaking_to(
    ctx: Context, user_id: int, fallback: str | None = None
) -> AbstractContextManager[None]:
    """`with await speaking_to(ctx, user_id):` what is made inside is in their language."""
    return use_locale(await locale_of(ctx, user_id, fallback))
