"""`digibank` command line: run the bot, manage the database and the translations."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("digibank")


def quiet_third_party_loggers() -> None:
    """httpx logs every request URL, and Bot API URLs contain the token; PTB's debug output
    holds whole messages. Neither may reach our logs."""
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_third_party_loggers()


def _settings() -> Settings:
    try:
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)
        return load_settings()
    except ConfigError as exc:
        print(f"digibank: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(_args: argparse.Namespace) -> int:
    settings = _settings()
    _configure_logging()
    from storage.db import schema_is_current, upgrade

    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)  # the embedded default keeps itself up to date
    elif not asyncio.run(schema_is_current(settings.database_url)):
        print(
            "digibank: the database schema is not up to date: run `digibank db upgrade`",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(_run(settings))


async def _run(settings: Settings) -> int:
    from bot.service import BotService

    service = BotService(settings)
    try:
        await service.start()
    except OSError as exc:
        print(
            f"digibank: PORT: cannot listen on port {settings.port} ({exc.strerror}); "
            "set PORT to a free port",
            file=sys.stderr,
        )
        await service.stop()
        return 2
    if settings.playground:
        print(
            f"\n  Digibank playground: open {service.web_url} in your browser.\n"
            "  No TELEGRAM_BOT_TOKEN is set, so the bot talks to a local Telegram emulator:\n"
            "  chat with it as one or more citizens, offline. Press Ctrl+C to stop.\n",
            flush=True,
        )
    else:
        print(f"digibank: running; health check at {service.web_url}/healthz", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):  # docker stop sends SIGTERM
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await service.stop()
        log.info("stopped")
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = _settings()
    from storage.db import upgrade

    upgrade(settings.database_url)
    print("digibank: database schema is up to date")
    return 0


def cmd_sites_import(args: argparse.Namespace) -> int:
    settings = _settings()
    from storage.db import upgrade
    from storage.site_files import MAX_FILE_BYTES, SitesFileError, SitesFileRefused, read_sites

    try:
        with open(args.file, "rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)  # enough to tell a file is too big
        records = read_sites(args.file, content)
    except OSError as exc:
        print(f"digibank: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    except SitesFileRefused as exc:  # not a sites file at all: one line, like OSError
        print(f"digibank: {args.file}: {exc.errors[0]}; nothing was imported", file=sys.stderr)
        return 2
    except SitesFileError as exc:
        for error in exc.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        print(f"digibank: {len(exc.errors)} errors; nothing was imported", file=sys.stderr)
        return 1
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    summary = asyncio.run(_import(settings.database_url, records, args.dry_run))
    verb = "would import" if args.dry_run else "imported"
    print(
        f"digibank: {verb} {len(records)} sites: {summary.added} new, {summary.changed} changed, "
        f"{summary.unchanged} unchanged"
    )
    return 0


async def _import(url: str, records: list, dry_run: bool):  # type: ignore[no-untyped-def]
    from storage.db import Database
    from storage.repositories import Repositories

    db = Database(url)
    try:
        async with db.sessions() as session, session.begin():
            summary = await Repositories(session).sites.upsert(records)
            if dry_run:
                await session.rollback()
        return summary
    finally:
        await db.dispose()


def cmd_sites_export(args: argparse.Namespace) -> int:
    settings = _settings()
    from storage.site_files import write_csv, write_yaml

    records = asyncio.run(_all_sites(settings.database_url))
    text = write_csv(records) if args.format == "csv" else write_yaml(records)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"digibank: wrote {len(records)} sites to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _all_sites(url: str) -> list:
    from storage.db import Database
    from storage.repositories import Repositories

    db = Database(url)
    try:
        async with db.transaction() as session:
            return await Repositories(session).sites.all()
    finally:
        await db.dispose()


def cmd_i18n(args: argparse.Namespace) -> int:
    from bot import catalogs

    return catalogs.main(args.action, args.locale)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digibank",
        description="Telegram help desk for the digibanks of Flanders. "
        "Configuration comes from the environment or a .env file (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="run the bot (without TELEGRAM_BOT_TOKEN: an offline playground on 127.0.0.1)",
        description="Run the bot: long polling, or webhook when WEBHOOK_URL is set. Without "
        "TELEGRAM_BOT_TOKEN it starts a local Telegram emulator and a chat page instead.",
    )
    run.set_defaults(handler=cmd_run)
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser(
        "upgrade", help="create or migrate the schema to the latest version"
    ).set_defaults(handler=cmd_db_upgrade)
    sites = sub.add_parser("sites", help="digibank sites: import or export the list")
    sites_sub = sites.add_subparsers(dest="sites_command", required=True)
    importer = sites_sub.add_parser(
        "import",
        help="add or update sites from a YAML or CSV file (a file with errors changes nothing)",
    )
    importer.add_argument("file", help="a .yaml, .yml or .csv file (see `sites export`)")
    importer.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
    importer.set_defaults(handler=cmd_sites_import)
    exporter = sites_sub.add_parser("export", help="write all sites in the import format")
    exporter.add_argument("--format", choices=("yaml", "csv"), default="yaml")
    exporter.add_argument("-o", "--output", help="file to write (default: standard output)")
    exporter.set_defaults(handler=cmd_sites_export)
    i18n = sub.add_parser("i18n", help="translations: extract, update, check, add a language")
    i18n.add_argument(
        "action",
        choices=("extract", "update", "check", "compile", "add"),
        help="extract: write locales/messages.pot; update: merge it into every .po; "
        "check: fail on missing, fuzzy or mismatched messages; compile: write .mo files "
        "(used when newer than their .po); add: start a new language",
    )
    i18n.add_argument("locale", nargs="?", help="language code for `add`, e.g. pl")
    i18n.set_defaults(handler=cmd_i18n)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
