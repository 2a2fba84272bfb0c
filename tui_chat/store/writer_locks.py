"""One lock file per open database connection, so a start can tell a crashed writer's reply from a live one.

Each open Database holds an exclusive lock on `<data>/writers/<writer id>.lock` and stamps the
replies it streams with that id. The operating system drops the lock when the process ends, however
it ends, so a reply whose writer's lock can be taken was left behind and may be recovered; one whose
lock is held belongs to a window or script that is still streaming it.

POSIX uses flock; Windows uses msvcrt's byte-range lock, which is also released with the process.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from tui_chat.paths import ensure_private_dir

WRITERS_FOLDER = "writers"
"""The folder beside the database that holds the writers' lock files."""

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _try_lock(descriptor: int) -> bool:
    """Take an exclusive lock on the open file without waiting; False when another holder has it."""
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def writers_folder(database: Path) -> Path:
    """Where the writers of the database at `database` keep their lock files."""
    return database.parent / WRITERS_FOLDER


class WriterLock:
    """The lock this connection holds for as long as it is open; its id marks the replies it streams."""

    def __init__(self, writer_id: str, lock_file: Path, descriptor: int) -> None:
        self.writer_id = writer_id
        self.lock_file = lock_file
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, database: Path) -> WriterLock:
        """Create and lock a new lock file for this connection (raises OSError if the folder cannot be written)."""
        folder = ensure_private_dir(writers_folder(database))
        writer_id = f"{os.getpid()}-{secrets.token_hex(6)}"
        lock_file = folder / f"{writer_id}.lock"
        descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        if not _try_lock(descriptor):
            os.close(descriptor)
            raise OSError(errno.EWOULDBLOCK, "the new writer lock is already held", str(lock_file))
        return cls(writer_id, lock_file, descriptor)

    def release(self) -> None:
        """Remove the lock file and drop the lock; safe to call twice."""
        if self._descriptor is None:
            return
        try:
            self.lock_file.unlink(missing_ok=True)
        except OSError:
            pass
        os.close(self._descriptor)
        self._descriptor = None


def writer_is_gone(database: Path, writer_id: str) -> bool:
    """Whether the writer that stamped a reply has ended; a writer whose lock is held is still running.

    A lock file left by a process that died is removed once its lock is taken here.
    """
    if not writer_id or "/" in writer_id or "\\" in writer_id or writer_id.startswith("."):
        return True
    lock_file = writers_folder(database) / f"{writer_id}.lock"
    try:
        descriptor = os.open(lock_file, os.O_RDWR)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if not _try_lock(descriptor):
            return False
        try:
            lock_file.unlink(missing_ok=True)
        except OSError:
            pass
        return True
    finally:
        os.close(descriptor)
