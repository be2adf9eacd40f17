"""The recording file: one SQLite database of every node's snapshots, as the sources delivered them.

Tables (``FORMAT`` / ``VERSION`` in ``meta`` say what the file is; a reader refuses any other):

- ``meta(key, value)``: ``format`` = ``schedtop-recording``, ``version``, ``created_at`` (ISO time), ``refresh``
  (seconds between ticks when it was recorded), ``keyframe_every`` (ticks), ``encoding`` = ``zlib+pydantic-json``.
- ``nodes(node, name, description, capabilities)``: one row per watched node; ``capabilities`` is a JSON list.
- ``ticks(node, seq, at, revision, full, snapshot, keyframe, carried, error)``: one row per fetch of a node, ``seq`` counting
  from 0 per node, ``at`` the wall-clock Unix seconds it arrived. ``snapshot`` is the
  :class:`~engine.model.Snapshot` exactly as the source answered (a delta since the previous tick's revision, or
  full when ``full`` is 1), ``keyframe`` every ``keyframe_every`` ticks (or when deltas since the last keyframe
  outweigh it) a full Snapshot of the node's state after that tick; both zlib-compressed pydantic JSON. A failed
  fetch has ``error`` set and no snapshot.

Consecutive snapshots repeat most of each other. So a ``snapshot`` leaves out the top-level fields equal to the
previous snapshot's (``carried`` lists them, space-separated: the supervisor's job history, the stats of a quiet
minute…), and is compressed with the JSON stored for the previous snapshot as zlib's preset dictionary (``zdict``):
the same running tasks a little further on cost a few bytes each. A *chain start*, a tick with a keyframe or a full
snapshot, carries nothing and is compressed alone, so a reader decodes from the nearest chain start onwards, as it
does to rebuild the state anyway. ``revision``, ``full``, ``taken_at``, ``tasks``, ``task_rows`` and ``removed`` are never
carried.

Each tick is its own transaction in WAL mode with ``synchronous=NORMAL``: a recorder killed (even by SIGKILL) loses
at most the tick it was writing, and the file replays up to its last committed tick.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

from engine.model import Snapshot

FORMAT = "schedtop-recording"
VERSION = 1
ENCODING = "zlib+pydantic-json;deltas-after-previous"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    node INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    capabilities TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ticks (
    node INTEGER NOT NULL REFERENCES nodes(node),
    seq INTEGER NOT NULL,
    at REAL NOT NULL,
    revision INTEGER,
    full INTEGER NOT NULL DEFAULT 0,
    snapshot BLOB,
    keyframe BLOB,
    carried TEXT,
    error TEXT,
    PRIMARY KEY (node, seq)
);
"""


class RecordingError(Exception):
    """The file is not a schedtop recording this version can read (or cannot be written)."""


NEVER_CARRIED = frozenset({"revision", "full", "taken_at", "tasks", "task_rows", "removed"})


def carried_fields(snapshot: Snapshot, previous: Snapshot | None) -> tuple[str, ...]:
    """The fields ``snapshot`` has the same as ``previous`` (stored once, in the earlier tick)."""
    if previous is None:
        return ()
    return tuple(
        name
        for name in Snapshot.model_fields
        if name not in NEVER_CARRIED and getattr(snapshot, name) == getattr(previous, name)
    )


def dump(snapshot: Snapshot, carried: tuple[str, ...] = ()) -> bytes:
    """The snapshot's pydantic JSON without the ``carried`` fields, as stored before compression."""
    return snapshot.model_dump_json(exclude=set(carried) or None).encode()


def parse(raw: bytes, carried: tuple[str, ...] = (), previous: Snapshot | None = None) -> Snapshot:
    """A stored snapshot, its ``carried`` fields taken from ``previous``."""
    if not carried:
        return Snapshot.model_validate_json(raw)
    if previous is None:
        raise RecordingError("a snapshot carries fields over from a previous one that is missing")
    data = json.loads(raw)
    for name in carried:
        data[name] = getattr(previous, name)
    return Snapshot.model_validate(data)


def compress(raw: bytes, previous: bytes | None = None) -> bytes:
    """zlib, with ``previous`` (the node's previous snapshot JSON) as preset dictionary when given."""
    packer = zlib.compressobj(6, zdict=previous) if previous else zlib.compressobj(6)
    return packer.compress(raw) + packer.flush()


def decompress(blob: bytes, previous: bytes | None = None) -> bytes:
    unpacker = zlib.decompressobj(zdict=previous) if previous else zlib.decompressobj()
    return unpacker.decompress(blob) + unpacker.flush()


def connect_for_writing(path: Path) -> sqlite3.Connection:
    """A new recording (an existing file is refused: a recording is never appended to by accident)."""
    if path.exists():
        raise RecordingError(f"{path} exists already; choose a new file for the recording")
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA page_size=16384")  # ~1 KB rows, a few 5 KB keyframes: bigger pages waste less
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
    except sqlite3.Error as error:
        raise RecordingError(f"cannot create the recording {path}: {error}") from None
    return db


def connect_for_reading(path: Path) -> sqlite3.Connection:
    """An existing recording, checked to be one; RecordingError with a plain reason otherwise.

    It is opened read-write (never written) so that SQLite can take in the write-ahead log a killed recorder left.
    """
    if not path.is_file():
        raise RecordingError(f"{path}: no such recording")
    try:
        db = sqlite3.connect(path, check_same_thread=False)
        rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as error:
        raise RecordingError(f"{path} is not a schedtop recording ({error})") from None
    if rows.get("format") != FORMAT:
        db.close()
        raise RecordingError(f"{path} is not a schedtop recording (no {FORMAT!r} in its meta table)")
    if rows.get("version") != str(VERSION):
        db.close()
        raise RecordingError(
            f"{path} is a version {rows.get('version')} recording; this schedtop reads version {VERSION}"
        )
    return db
