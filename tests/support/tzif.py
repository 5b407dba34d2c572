"""Time zone files of our own, for a zone whose rules change (a tzdata update): :func:`fixed_zone`
writes a TZif file for a zone on one fixed offset, which :mod:`zoneinfo` reads like any other."""

from __future__ import annotations

import struct
from pathlib import Path


def _header(typecnt: int, charcnt: int) -> bytes:
    # magic, version, 15 unused bytes; then isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    return b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, typecnt, charcnt)


def fixed_zone(folder: Path, name: str, hours: int) -> Path:
    """Write ``folder/name`` (e.g. ``Asia/Almaty``): a zone always ``hours`` from UTC, with no
    daylight saving, its abbreviation "+05" style. Returns the folder, a TZPATH entry."""
    abbr = f"{'+' if hours >= 0 else '-'}{abs(hours):02d}".encode() + b"\0"
    block = struct.pack(">lBB", hours * 3600, 0, 0) + abbr
    footer = f"\n<{abbr[:-1].decode()}>{-hours}\n".encode()
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_header(1, len(abbr)) + block + _header(1, len(abbr)) + block + footer)
    return folder
