"""Organisers keep their sites up to date from Telegram: /sites sends the list as a file,
they send the changed file back, it is checked whole and saved only without errors.

Organisers change the sites of their own digibank(s); admins any. Reading and writing a
file is slow for a big one: it runs in a thread, so that other people's messages go on.
"""

from __future__ import annotations

import asyncio
import html

from flows import events, menu
from flows.actions import MAX_TEXT, Action, Reply, SendDocument, utf16_len
from flows.context import Context
from flows.i18n import _
from flows.staff import digibank_names, own_digibanks, refuse
from storage.site_files import MAX_FILE_BYTES, FileError, SitesFileError, read_sites, write_yaml
from storage.vocabulary import ORGANISING_ROLES

FLOW = "sites"
SHOWN_ERRORS = 15


async def start(ctx: Context) -> list[Action]:
    """/sites: the current list as a file, and the invitation to send it back changed."""
    if ctx.role not in ORGANISING_ROLES:
        return refuse(ctx)
    own = await own_digibanks(ctx)
    if own is not None and not own:
        text = _("🏢 You are not linked to a digibank yet. Ask an admin for a new invite link.")
        return [Reply(text, buttons=(menu.home_row(),))]
    records = [r for r in await ctx.repos.sites.all() if own is None or r.digibank in own]
    content = await asyncio.to_thread(write_yaml, records)
    ctx.ask(FLOW, "await_file")
    text = _(
        "🗂️ <b>Your sites</b>: {count} in the file below.\n"
        "Change the file on a computer and send it back to me. "
        "I check it first and save it only when everything is right."
    ).format(count=len(records))
    return [
        Reply(text),
        SendDocument("digibank-sites.yaml", content.encode()),
        Reply(_("📎 Send me the changed file (.yaml or .csv)."), buttons=(menu.home_row(),)),
    ]


def _error_line(error: FileError) -> str:
    detail = html.escape(_(error.message).format(**error.params))
    return _("line {line}, {field}: {detail}").format(
        line=error.line, field=html.escape(error.field), detail=detail
    )


def _error_list(head: str, errors: list[FileError]) -> str:
    """The head and the first errors, as many as fit in one message."""
    budget = MAX_TEXT - utf16_len(head) - 10  # room for "\n\n" and "\n…"
    lines: list[str] = []
    for error in errors[:SHOWN_ERRORS]:
        line = _error_line(error)
        if utf16_len(line) + 1 > budget:
            break
        lines.append(line)
        budget -= utf16_len(line) + 1
    if len(lines) < len(errors):
        lines.append("…")
    return head + "\n\n" + "\n".join(lines)


async def on_document(ctx: Context, document: events.Document) -> list[Action] | None:
    """A file sent while /sites waits for one; None when no step expects a file."""
    if ctx.state.flow != FLOW or ctx.role not in ORGANISING_ROLES or ctx.files is None:
        return None
    too_big = [Reply(_("⚠️ This file is too big. Send a sites file of at most 1 MB."))]
    if document.size > MAX_FILE_BYTES:
        return too_big
    # Telegram may leave the size out: the transport reads at most MAX_FILE_BYTES + 1.
    content = await ctx.files.read(document.file_ref)
    if len(content) > MAX_FILE_BYTES:
        return too_big
    try:
        records = await asyncio.to_thread(read_sites, document.file_name, content)
    except SitesFileError as exc:
        text = _("⚠️ I found {count} problems. Nothing was changed.").format(count=len(exc.errors))
        return [Reply(_error_list(text, exc.errors), buttons=(menu.home_row(),))]
    own = await own_digibanks(ctx)
    foreign = sorted({r.digibank for r in records} - set(own)) if own is not None else []
    if foreign:
        text = _(
            "⚠️ You can only change the sites of {names}. The file also has {others}. "
            "Nothing was changed."
        ).format(
            names=await digibank_names(ctx, ctx.user.id),
            others=html.escape(", ".join(foreign)),
        )
        return [Reply(text, buttons=(menu.home_row(),))]
    summary = await ctx.repos.sites.upsert(records)
    detail = f"{summary.added} new, {summary.changed} changed, {summary.unchanged} unchanged"
    await ctx.repos.audit.record(ctx.user.id, "sites.import", detail=detail)
    ctx.finish()
    text = _("✅ Saved: {added} new, {changed} changed, {unchanged} unchanged.").format(
        added=summary.added, changed=summary.changed, unchanged=summary.unchanged
    )
    return [Reply(text, buttons=(menu.home_row(),))]


async def prompt(ctx: Context) -> list[Action]:
    return [Reply(_("📎 Send me the changed file (.yaml or .csv)."), buttons=(menu.home_row(),))]


async def on_button(ctx: Context, value: str) -> list[Action] | None:
    return None  # this flow asks with a file, not with buttons
