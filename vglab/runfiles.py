"""Run files that survive a kill: atomic writes, checkpoints with a fallback, settings checked on resume,
one run per output.

Every file an experiment writes (checkpoints, ``results/*.json``) goes through here:

* ``write_bytes / write_text / write_json(path, ...)``: atomic. The bytes go to a temporary file in the
  same folder, are flushed and fsync'ed, then ``os.replace`` puts them in place: a kill at any moment
  leaves the old file or the new one, never half of one.
* ``save_checkpoint(path, obj)`` keeps the previous good checkpoint as ``<path>.prev``;
  ``load_checkpoint(path)`` falls back to it (with a printed note) when the newest is missing,
  truncated or corrupt, so a damaged newest file costs only the work since the one before.
* ``read_json(path)``: a file that cannot be read raises a ``RunFileError`` naming it and what to do.
* ``check_settings(path, saved, current)``: resuming with other settings is refused, naming the file,
  each differing setting (saved vs now) and what to do. ``code_hash(files)`` is a setting like any other
  (e.g. of the engine's modules), so a checkpoint of other code is refused the same way.
* ``lock(*outputs)``: an exclusive lock per output (``<output>.lock`` holding PID and host, created
  with O_EXCL). A second run into the same output refuses at once; a lock left by a dead process
  is taken over with a note.
"""
from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

from . import _args

__all__ = ["RunFileError", "write_bytes", "write_text", "write_json", "read_json", "save_checkpoint",
           "load_checkpoint", "check_settings", "code_hash", "lock"]

STALE_UNREADABLE_S = 10.0  # an unreadable lock file older than this is a crash's leftover
_LOADED = time.time()  # a lock with this process's PID but older than this: an earlier process's PID


class RunFileError(RuntimeError):
    """A run file cannot be used (unreadable, other settings, locked); the message names it and what to do."""


# ---- atomic writes ------------------------------------------------------------------------------
def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (a seam for the crash tests: they make it die halfway)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _rename(src, dst) -> None:
    """``os.replace`` (a seam for the crash tests: they make the process die just before it)."""
    os.replace(src, dst)


def write_bytes(path, data: bytes) -> Path:
    """Atomically replace ``path`` by ``data``: temp file in the same folder, fsync, ``os.replace``."""
    path = _args.path_like("path", path)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_fd(fd, bytes(data))
            os.fsync(fd)
        finally:
            os.close(fd)
        _rename(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write leaves the old file, and no litter
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(d: Path) -> None:
    try:  # make the rename itself durable (not possible on every OS)
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path, text: str) -> Path:
    """Atomically write ``text`` (UTF-8)."""
    return write_bytes(path, _args.text("text", text).encode())


def write_json(path, obj, indent: int | None = 1) -> Path:
    """Atomically write ``obj`` as JSON (one trailing newline)."""
    if indent is not None:
        _args.integer("indent", indent, lo=0, hi=16)
    return write_text(path, _json("obj", obj, indent) + "\n")


def _json(name: str, obj, indent=None) -> str:
    """``json.dumps`` (NaN/Inf written as Python's json does), or TypeError naming ``name``."""
    try:
        return json.dumps(obj, indent=indent)
    except (TypeError, ValueError, RecursionError) as e:
        raise TypeError(f"{name} must be JSON data (dicts with str keys, lists, str, numbers, bools, "
                        f"None): {e}") from None


def read_json(path):
    """``path``'s JSON; a missing or unreadable file raises RunFileError naming it and what to do."""
    path = _args.path_like("path", path)
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise RunFileError(f"{path} does not exist") from None
    except (OSError, ValueError) as e:
        raise RunFileError(f"{path} is not readable JSON ({e}); it may be cut short by a killed run: "
                           "run again the command that wrote it, or delete it") from e


# ---- checkpoints with the previous good one kept ------------------------------------------------
def _prev(path: Path) -> Path:
    return path.with_name(path.name + ".prev")


def _encode(obj, fmt: str) -> bytes:
    if fmt == "json":
        return (_json("obj", obj) + "\n").encode()
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _decode(path: Path, fmt: str):
    if fmt == "json":
        return json.loads(path.read_bytes())
    import torch
    return torch.load(path, weights_only=False, map_location="cpu")


def _check_fmt(fmt) -> None:
    _args.choice("fmt", fmt, ("torch", "json"))


def save_checkpoint(path, obj, *, fmt: str = "torch") -> Path:
    """Write checkpoint ``obj`` atomically (``fmt`` "torch" or "json"), the one before kept as ``<path>.prev``."""
    _check_fmt(fmt)
    path = _args.path_like("path", path)
    data = _encode(obj, fmt)  # serialise first: a failure here touches no file
    if path.is_file():
        _rename(path, _prev(path))  # a kill right after: load_checkpoint falls back to .prev
    return write_bytes(path, data)


def load_checkpoint(path, *, fmt: str = "torch"):
    """The newest readable checkpoint at ``path`` (or ``<path>.prev``, with a note); None if neither exists.

    Raises RunFileError naming the files and what to do when both exist but neither can be read.
    """
    _check_fmt(fmt)
    path = _args.path_like("path", path)
    errors = []
    for p in (path, _prev(path)):
        if not p.is_file():
            continue
        try:
            obj = _decode(p, fmt)
        except Exception as e:  # noqa: BLE001 -- a truncated file fails in many ways (zip, pickle, JSON)
            errors.append(f"{p}: {type(e).__name__}: {e}")
            continue
        if errors or p != path:
            why = errors[0] if errors else f"{path} is missing"
            print(f"note: {why}; resuming from the previous good checkpoint {p} (the work since it is redone)")
        return obj
    if errors:
        raise RunFileError("cannot read the checkpoint (" + "; ".join(errors) + "). Delete "
                           f"{path} and {_prev(path).name} to start this run over, or use another --out")
    return None


# ---- settings checked on resume -----------------------------------------------------------------
def code_hash(files) -> str:
    """A short SHA-256 of the given source files' names and code, stored with a run's settings.

    A Python file is hashed as its syntax tree without docstrings (comments never reach the tree), so
    a documentation edit leaves the hash alone and a long run resumes; any change to the code changes it.
    Other files are hashed byte for byte.
    """
    try:
        if isinstance(files, (str, bytes)):
            raise TypeError
        files = list(files)
    except TypeError:
        raise TypeError(f"files must be a list of source file paths, got {type(files).__name__}") from None
    files = [_args.path_like("files", f) for f in files]
    h = hashlib.sha256()
    for f in sorted(files):
        data = f.read_bytes()
        if f.suffix == ".py":
            data = _code_only(data).encode()
        h.update(f.name.encode() + b"\0" + data + b"\0")
    return h.hexdigest()[:16]


def _code_only(source: bytes) -> str:
    """``ast.dump`` of ``source`` with every module, class and function docstring removed."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def check_settings(path, saved: dict | None, current: dict) -> None:
    """Refuse (RunFileError) to resume from ``path`` when its ``saved`` settings differ from ``current``.

    The message names the file, every differing setting (saved vs now) and what to do.
    """
    if not isinstance(current, dict):
        raise TypeError(f"current must be a dict of settings, got {type(current).__name__}")
    saved = saved if isinstance(saved, dict) else {}
    keys = list(current) + [k for k in saved if k not in current]
    diff = [f"{k}: {saved.get(k, '(none)')!r} saved vs {current.get(k, '(none)')!r} now" for k in keys
            if saved.get(k, "(none)") != current.get(k, "(none)")]
    if diff:
        code = " (the code changed since it was written: finish it with that code, or start over)" \
            if any(d.startswith("code") for d in diff) else ""
        raise RunFileError(f"{path} holds a run with other settings{code}: " + "; ".join(diff)
                           + f". Rerun with the saved settings to resume it, use another --out, or delete {path} "
                           "(and its .prev) to start over")


# ---- one run per output -------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _acquire(lk: Path) -> None:
    me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}).encode()
    lk.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(lk, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _take_over_if_stale(lk)
            continue
        try:
            os.write(fd, me)  # a few bytes; a lock cut short by a crash is handled as unreadable
            os.fsync(fd)
        finally:
            os.close(fd)
        return
    raise RunFileError(f"cannot take the lock {lk}: other runs keep creating it; retry, or delete it")


def _take_over_if_stale(lk: Path) -> None:
    """Remove ``lk`` if its process is dead (with a note); raise RunFileError if it is alive."""
    try:
        owner = json.loads(lk.read_bytes())
        pid, host, since = int(owner["pid"]), str(owner["host"]), float(owner.get("since", 0))
    except FileNotFoundError:
        return  # released meanwhile: try again
    except (OSError, ValueError, KeyError, TypeError):
        try:
            age = time.time() - lk.stat().st_mtime
        except FileNotFoundError:
            return
        if age < STALE_UNREADABLE_S:  # may be a run that is just writing its PID
            raise RunFileError(f"{lk} is being taken by another run right now; wait and retry, or use another --out")
        print(f"note: taking over the unreadable lock {lk} (left by a run that died while taking it)")
        lk.unlink(missing_ok=True)
        return
    if host != socket.gethostname():
        raise RunFileError(f"{lk} is held by PID {pid} on host {host}: a run into this output may be going on "
                           f"there. Wait for it, use another --out, or delete {lk} if no run is going on")
    if _alive(pid) and not (pid == os.getpid() and since < _LOADED):
        raise RunFileError(f"{lk} is held by PID {pid} on {host}, a live run into this output. Wait for it "
                           f"to finish, or use another --out (delete {lk} only if PID {pid} is not such a run)")
    print(f"note: taking over the lock {lk} of PID {pid}, which is no longer running")
    lk.unlink(missing_ok=True)


@contextmanager
def lock(*outputs):
    """Hold ``<output>.lock`` for each output file for the block; a live holder makes it refuse at once."""
    held = []
    try:
        for out in outputs:
            lk = Path(out).with_name(Path(out).name + ".lock")
            _acquire(lk)
            held.append(lk)
        yield held
    finally:
        for lk in held:
            try:
                if json.loads(lk.read_bytes()).get("pid") == os.getpid():
                    lk.unlink()
            except (OSError, ValueError):
                pass
