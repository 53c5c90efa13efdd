"""Which pages of a SQLite database changed since the previous backup, read from its write-ahead log (WAL)
instead of from the whole file — the technique Litestream uses (WAL-frame shipping), kept to its safe core.

In WAL mode SQLite never writes a committed change to the database file directly: it appends a *frame* (page
number + page image) to the ``-wal`` file, and only a checkpoint copies frames into the file. A log
*generation* starts when the log is reset (after a complete checkpoint): SQLite writes a new 32-byte header
with new salts (salt-1 incremented, salt-2 random) and frames carry the header's salts; frames of an older
generation left in the file do not match and are not read (SQLite file format, section 4).

So if backup N recorded "every change after my snapshot is in a frame of the generation whose header is H,
after frame K", backup N+1 finds the pages changed since N by reading only the log: the header must still be
H byte for byte, frame K must still carry the checksum recorded for it (frames up to a commit are never
rewritten within a generation), and every frame after K names a page that may have changed. Anything else —
no log, another header (someone checkpointed and the log was reset, the last connection closed and deleted
it, the file was replaced or written outside WAL mode), a different frame K, another inode — and the caller
falls back to comparing the whole file with the previous backup. Correctness never depends on the tracking:
a missed change would need a new generation with the same 64 bits of salts *and* a frame K with the same
checksum; the ordinary way a generation ends (a reset) changes salt-1.

How backup N gets such a mark (snapshot.sqlite_pages): it takes the write lock, reads the log, checkpoints
every frame into the file, pins that file with a read transaction (a reader on the file holds read-lock 0:
no checkpoint may pass it, so at most one reset can happen while it is open) and lets writers go on; after
storing the pages it reads the log again: new frames in the same generation after frame F (the snapshot's
end), or a new generation (which then started from the snapshot: all its frames are later changes). When no
one has written yet the backup writes a no-op (``PRAGMA user_version`` set to itself) to start the
generation itself while the pin holds — see :func:`mark_after`."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

HEADER, FRAME_HEADER = 32, 24
MAGICS = (0x377F0682, 0x377F0683)


@dataclass(frozen=True)
class Log:
    header: bytes  # the 32-byte WAL header: the generation's identity
    page_size: int
    pages: list[int]  # page number of each frame (1-based frame i is pages[i - 1]) with the header's salts
    cksums: list[bytes]  # each frame's stored cumulative checksum (8 bytes)
    commit_end: int  # number of frames up to and including the last commit frame


def read_log(path: Path) -> Log | None:
    """The frames of the database's current WAL generation (``<path>-wal``), or None when there is no log or
    no valid header. Frames are read while their salts match the header's (as SQLite's recovery does; frames
    of a torn or rolled-back write after the last commit may be included — more pages, never fewer)."""
    try:
        with open(f"{path}-wal", "rb") as f:
            head = f.read(HEADER)
            if len(head) < HEADER:
                return None
            magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", head[:24])
            if magic not in MAGICS or page_size < 512 or page_size & (page_size - 1):
                return None
            pages: list[int] = []
            cksums: list[bytes] = []
            commit_end = 0
            step = FRAME_HEADER + page_size
            while len(fh := f.read(FRAME_HEADER)) == FRAME_HEADER:
                pgno, commit, s1, s2 = struct.unpack(">4I", fh[:16])
                if (s1, s2) != (salt1, salt2) or pgno == 0:
                    break
                pages.append(pgno)
                cksums.append(fh[16:24])
                if commit:
                    commit_end = len(pages)
                f.seek(step - FRAME_HEADER, os.SEEK_CUR)  # the page image itself is not read
            return Log(head, page_size, pages, cksums, commit_end)
    except FileNotFoundError:
        return None


def identity(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino]


def mark(path: Path, log: Log, frame: int) -> dict:
    """What a backup records: changes after its snapshot are in frames after ``frame`` of this generation."""
    return {"header": log.header.hex(), "frame": frame, "cksum": log.cksums[frame - 1].hex() if frame else "",
            "file": identity(path)}


def changed_pages(path: Path, log: Log | None, recorded: dict | None) -> set[int] | None:
    """The pages changed since the backup that recorded ``recorded`` (a superset), or None when the log does
    not prove it (then the whole file must be compared)."""
    if log is None or not recorded:
        return None
    frame = int(recorded.get("frame", -1))
    if (log.header.hex() != recorded.get("header") or frame < 0 or frame > log.commit_end
            or recorded.get("file") != identity(path)):
        return None
    if frame and log.cksums[frame - 1].hex() != recorded.get("cksum"):
        return None
    return set(log.pages[frame:])


def mark_after(path: Path, snapshot_log: Log | None, snapshot_end: int, write_noop) -> dict | None:
    """The mark for the next backup, taken while the snapshot's pin (a read transaction on the file) is still
    open: the same generation with frames after the snapshot's end, or the one generation that began after
    it. ``write_noop()`` commits a change that rewrites nothing (to begin that generation when no one has
    written since the snapshot); returns False when it could not (busy) — then there is no mark."""
    for attempt in range(2):
        log = read_log(path)
        if log is not None and (snapshot_log is None or log.header != snapshot_log.header):
            return mark(path, log, 0)  # a new generation: it began from the pinned snapshot
        if log is not None:
            if log.commit_end < snapshot_end or (
                    snapshot_end and log.cksums[snapshot_end - 1] != snapshot_log.cksums[snapshot_end - 1]):
                return None  # not the frames the snapshot saw
            if log.commit_end > snapshot_end:
                # the same generation went on (the pin kept it from being reset): later changes come after
                return mark(path, log, snapshot_end)
        if attempt or not write_noop():
            return None
    return None
