"""Files the bot or the users sent, kept in memory so they can be downloaded again."""

from __future__ import annotations

import mimetypes
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

# Telegram keeps uploads under a folder per kind; the file_path mimics that.
_FOLDERS = {
    "document": "documents",
    "photo": "photos",
    "voice": "voice",
    "sticker": "stickers",
}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes
    kind: str
    # What Telegram learnt about the file when it was sent: a sticker's emoji and format, a
    # voice note's duration. Sending it again by file_id reuses them.
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)

    def document_json(self) -> dict[str, object]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def photo_json(self) -> list[dict[str, object]]:
        width, height = image_size(self.data)
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": width,
                "height": height,
            }
        ]

    def voice_json(self) -> dict[str, object]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "duration": int(self.meta.get("duration", 0)),
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def sticker_json(self) -> dict[str, object]:
        sticker: dict[str, object] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": self.mime_type == "application/x-tgsticker",
            "is_video": self.mime_type == "video/webm",
        }
        if self.meta.get("emoji"):
            sticker["emoji"] = self.meta["emoji"]
        sticker["file_size"] = self.size
        return sticker

    def file_json(self) -> dict[str, object]:
        """The ``File`` object getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._count = 0

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> StoredFile:
        self._count += 1
        name = file_name or f"file_{self._count}{_default_extension(kind)}"
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        extension = "." + name.rsplit(".", 1)[1] if "." in name else ""
        stored = StoredFile(
            # URL-safe ids: they also appear in /_emulator/files/<file_id>.
            file_id=f"emu{kind[:3]}{self._count:05d}{secrets.token_hex(6)}",
            file_unique_id=f"u{self._count:05d}{secrets.token_hex(3)}",
            file_path=f"{_FOLDERS.get(kind, 'files')}/file_{self._count}{extension}",
            file_name=name,
            mime_type=mime,
            data=data,
            kind=kind,
            meta=dict(meta or {}),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def _default_extension(kind: str) -> str:
    return {"photo": ".jpg", "voice": ".oga", "sticker": ".webp"}.get(kind, "")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG; a plausible default for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return 640, 480


def tiny_png() -> bytes:
    """A valid 1×1 PNG, the default picture fake users send."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
