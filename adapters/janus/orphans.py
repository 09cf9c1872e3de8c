"""Children a hub killed outright leaves running, found again by the next hub on the same data directory.

Janus and the camera relays run in sessions of their own (a Ctrl-C in the hub's terminal must not cut the
calls before the hub closes them), so a hub killed with SIGKILL leaves them running: a second Janus would
then start beside the first on the same folder, and a stale relay would go on pouring a camera into a port
the new Janus may give another call. Each child is recorded in a pid file with its exact command line; the
next start ends a recorded process only while /proc/<pid>/cmdline still shows that command line, since the
pid may belong to anything else by then. Adopting instead is not possible: Janus's API secrets are made
afresh at every start and the dead hub took them with it.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)
TERM_WAIT_S = 10.0


def record(pid_file: Path, pid: int, argv: list[str]) -> None:
    """Note a child just started; owner-only, as a relay's command line holds its camera's URL."""
    text = json.dumps({"pid": pid, "argv": argv}, ensure_ascii=False)
    fd = os.open(pid_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def forget(pid_file: Path) -> None:
    pid_file.unlink(missing_ok=True)


def command_line(pid: int) -> list[str] | None:
    """The process's arguments; None when it is gone (or a zombie, which has none)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.decode(errors="replace").split("\0")[:-1] or None


def recorded(pid_file: Path) -> tuple[int, list[str]] | None:
    """The pid in *pid_file* and its command line, if that process still runs the command line recorded."""
    try:
        noted = json.loads(pid_file.read_text(encoding="utf-8"))
        pid, argv = int(noted["pid"]), [str(a) for a in noted["argv"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none, or not one of ours: nothing to end
    return (pid, argv) if pid != os.getpid() and command_line(pid) == argv else None


def end_orphan(pid_file: Path, what: str) -> int | None:
    """End the process *pid_file* records, if it is still that one: SIGTERM, then SIGKILL. Its pid, if any.

    Blocks while it waits (up to 20 s): run it in a thread.
    """
    found = recorded(pid_file)
    if found is not None:
        log.warning("%s %d was left running by a hub that did not stop (killed?); ending it", what, found[0])
        _end(*found)
    forget(pid_file)
    return found[0] if found else None


def end_orphans(folder: Path) -> list[int]:
    """End every process recorded in *folder* (Janus, camera relays): the pids ended. Run it in a thread."""
    ended = [end_orphan(path, path.stem) for path in sorted(folder.glob("*.pid"))]
    return [pid for pid in ended if pid is not None]


def _end(pid: int, argv: list[str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:  # another user's: not ours to end, whatever its command line says
            log.error("process %d is not ours to end; leaving it", pid)
            return
        deadline = time.monotonic() + TERM_WAIT_S
        while command_line(pid) == argv:  # not our child, so no wait(): watch /proc until it is gone
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        else:
            return
    log.error("process %d did not end after SIGKILL", pid)
