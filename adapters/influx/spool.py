"""A bounded, ordered queue of line protocol on disk that survives restarts.

Segment files (`000000000001.lp` …) are appended to and fsynced; a cursor file
says how far the database has acknowledged. The cursor is replaced atomically
after each acknowledged write, so after a crash at most the one write in flight
is sent again (InfluxDB overwrites an identical point; see README).
"""

from __future__ import annotations

import os
from pathlib import Path

SEGMENT_BYTES = 8 << 20


class Spool:
    """FIFO of newline-terminated records in *directory*; one thread only."""

    def __init__(self, directory: Path, max_bytes: int, segment_bytes: int = SEGMENT_BYTES) -> None:
        self._dir = directory
        self._max = max_bytes
        self._segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._sizes = {int(p.stem): p.stat().st_size for p in directory.glob("*.lp") if p.stem.isdigit()}
        self._head, self._offset = self._read_cursor()
        for number in [n for n in self._sizes if n < self._head]:
            self._remove(number)
        if self._head not in self._sizes:  # a fresh spool, or its files were removed by hand
            later = [n for n in self._sizes if n > self._head]
            self._head, self._offset = (min(later), 0) if later else (self._head, 0)
            if not later:
                self._sizes[self._head] = 0
                self._path(self._head).touch()
        self._tail = max(self._sizes)
        self._repair_tail()

    def backlog(self) -> int:
        """Bytes written but not yet acknowledged."""
        return sum(self._sizes.values()) - self._offset

    def append(self, data: bytes) -> bool:
        """Append whole lines durably; False (nothing written) when the spool is full."""
        if not data:
            return True
        if self.backlog() + len(data) > self._max:
            return False
        if self._sizes[self._tail] >= self._segment_bytes:
            self._tail += 1
            self._sizes[self._tail] = 0
        with self._path(self._tail).open("ab") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        self._sizes[self._tail] += len(data)
        return True

    def peek(self, max_bytes: int) -> bytes:
        """The oldest unacknowledged lines, about *max_bytes* of them (at least one line)."""
        while self._offset >= self._sizes[self._head] and self._head < self._tail:
            self._advance()
        with self._path(self._head).open("rb") as f:
            f.seek(self._offset)
            return b"".join(f.readlines(max_bytes))

    def ack(self, n: int) -> None:
        """The first *n* bytes that peek gave were written to the database."""
        self._offset += n
        if self._offset >= self._sizes[self._head] and self._head < self._tail:
            self._advance()
        else:
            self._write_cursor()

    def _advance(self) -> None:
        self._remove(self._head)
        self._head, self._offset = self._head + 1, 0
        self._write_cursor()

    def _path(self, number: int) -> Path:
        return self._dir / f"{number:012d}.lp"

    def _remove(self, number: int) -> None:
        self._path(number).unlink(missing_ok=True)
        self._sizes.pop(number, None)

    def _read_cursor(self) -> tuple[int, int]:
        try:
            head, offset = (self._dir / "cursor").read_text().split()
            return int(head), int(offset)
        except (OSError, ValueError):
            return (min(self._sizes) if self._sizes else 1), 0

    def _write_cursor(self) -> None:
        tmp = self._dir / "cursor.tmp"
        with tmp.open("w") as f:
            f.write(f"{self._head} {self._offset}\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self._dir / "cursor")

    def _repair_tail(self) -> None:
        """Cut a line left half-written by a crash; the reading is in SQLite, the line would be rejected."""
        path = self._path(self._tail)
        data = path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            with path.open("r+b") as f:
                f.truncate(keep)
            self._sizes[self._tail] = keep
