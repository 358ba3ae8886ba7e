"""vglab.runfiles: atomic writes under injected faults, the checkpoint fallback, the settings check on
resume and the output lock (live holder refused, dead holder taken over). Files only, no training."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from vglab import results, runfiles
from vglab.runfiles import RunFileError


class Killed(BaseException):
    """What the injected fault raises: like a kill, nothing in vglab catches it."""


def _die_halfway(monkeypatch):
    real = runfiles._write_fd

    def write(fd, data):
        real(fd, data[: len(data) // 2])
        raise Killed
    monkeypatch.setattr(runfiles, "_write_fd", write)


def _die_before_rename(monkeypatch):
    def rename(src, dst):
        raise Killed
    monkeypatch.setattr(runfiles, "_rename", rename)


@pytest.mark.parametrize("fault", [_die_halfway, _die_before_rename], ids=["write-dies-halfway", "dies-before-rename"])
def test_atomic_write_keeps_the_old_file_whole(tmp_path, monkeypatch, fault):
    path = tmp_path / "r.json"
    runfiles.write_json(path, {"old": list(range(1000))})
    before = path.read_bytes()
    fault(monkeypatch)
    with pytest.raises(Killed):
        runfiles.write_json(path, {"new": list(range(2000))})
    assert path.read_bytes() == before and runfiles.read_json(path) == {"old": list(range(1000))}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temp file left behind
    monkeypatch.undo()
    runfiles.write_json(path, {"new": 1})  # and the next write goes through
    assert runfiles.read_json(path) == {"new": 1}


def test_a_first_write_that_dies_leaves_no_file(tmp_path, monkeypatch):
    _die_halfway(monkeypatch)
    with pytest.raises(Killed):
        runfiles.write_bytes(tmp_path / "sub" / "x.bin", b"abcdef")
    assert list((tmp_path / "sub").iterdir()) == []


def test_results_save_is_atomic_and_a_cut_file_is_named(tmp_path, monkeypatch):
    results.save("r", {"x": 1}, {"command": "c"}, reduced=True, directory=tmp_path)
    _die_halfway(monkeypatch)
    with pytest.raises(Killed):
        results.save("r", {"x": 2}, {"command": "c"}, reduced=True, directory=tmp_path)
    assert results.load("r", tmp_path)["data"] == {"x": 1}
    (tmp_path / "r.json").write_text('{"name": "r", "data": {"x"')  # cut short by something else
    with pytest.raises(RunFileError, match=r"r\.json is not readable JSON.*run again the command"):
        results.load("r", tmp_path)


@pytest.mark.parametrize("fmt", ["torch", "json"])
def test_truncated_newest_checkpoint_falls_back_to_the_previous(tmp_path, capsys, fmt):
    path = tmp_path / "ck.pt"
    assert runfiles.load_checkpoint(path, fmt=fmt) is None  # nothing yet
    runfiles.save_checkpoint(path, {"done": [1]}, fmt=fmt)
    runfiles.save_checkpoint(path, {"done": [1, 2]}, fmt=fmt)
    assert runfiles.load_checkpoint(path, fmt=fmt) == {"done": [1, 2]}
    assert "note" not in capsys.readouterr().out
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert runfiles.load_checkpoint(path, fmt=fmt) == {"done": [1]}  # costs only the work since
    out = capsys.readouterr().out
    assert "note:" in out and str(path) in out and "ck.pt.prev" in out
    path.unlink()  # a kill between moving the newest to .prev and writing the new one
    assert runfiles.load_checkpoint(path, fmt=fmt) == {"done": [1]}
    assert "is missing" in capsys.readouterr().out


def test_unreadable_checkpoints_are_refused_naming_the_files(tmp_path):
    path = tmp_path / "ck.pt"
    path.write_bytes(b"PK\x03\x04 not a checkpoint")
    with pytest.raises(RunFileError, match=r"ck\.pt.*Delete .*ck\.pt and ck\.pt\.prev to start this run over"):
        runfiles.load_checkpoint(path)
    with pytest.raises(ValueError, match="fmt must be one of"):
        runfiles.save_checkpoint(path, {}, fmt="pickle")


def test_a_failed_serialisation_touches_no_file(tmp_path):
    path = tmp_path / "ck.pt"
    runfiles.save_checkpoint(path, {"a": torch.zeros(2)})
    with pytest.raises(Exception):
        runfiles.save_checkpoint(path, {"f": lambda: 0})  # a lambda cannot be pickled
    assert torch.equal(runfiles.load_checkpoint(path)["a"], torch.zeros(2))
    assert not path.with_name("ck.pt.prev").exists()


def test_changed_settings_are_refused_naming_file_settings_and_what_to_do(tmp_path):
    path = tmp_path / "t.pt"
    runfiles.check_settings(path, {"T": 10, "seed": 0}, {"T": 10, "seed": 0})  # same: fine
    with pytest.raises(RunFileError) as e:
        runfiles.check_settings(path, {"T": 10, "seed": 0, "old": 1}, {"T": 12, "seed": 0})
    msg = str(e.value)
    assert str(path) in msg and "T: 10 saved vs 12 now" in msg and "old: 1 saved vs '(none)' now" in msg
    assert "seed" not in msg and "another --out" in msg and "delete" in msg
    with pytest.raises(RunFileError, match=r"other settings: T: '\(none\)' saved vs 12 now"):
        runfiles.check_settings(path, None, {"T": 12})  # a checkpoint of an older vglab: no settings


def test_code_hash_changes_with_the_code_and_is_checked_like_a_setting(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    h = runfiles.code_hash([a, b])
    assert h == runfiles.code_hash([b, a]) and len(h) == 16
    a.write_text("x = 3\n")
    h2 = runfiles.code_hash([a, b])
    assert h2 != h
    with pytest.raises(RunFileError, match="the code changed since it was written"):
        runfiles.check_settings(tmp_path / "c.pt", {"T": 10, "code": h}, {"T": 10, "code": h2})


def test_code_hash_ignores_docstrings_and_comments_but_not_code(tmp_path):
    """A long run's checkpoint survives documentation edits of the engine, never a code change."""
    f = tmp_path / "m.py"
    f.write_text('"""Module."""\ndef g(x):\n    """Doc."""\n    return x + 1  # add one\n')
    h = runfiles.code_hash([f])
    f.write_text('"""Module, reworded (SOURCES.md §1)."""\n\n# a comment\ndef g(x):\n    """Other doc."""\n'
                 '    return x + 1\n')
    assert runfiles.code_hash([f]) == h
    f.write_text('def g(x):\n    return x + 1\n')  # docstrings gone: still the same code
    assert runfiles.code_hash([f]) == h
    f.write_text('def g(x):\n    return x + 2\n')
    assert runfiles.code_hash([f]) != h
    f.write_text('def g(x):\n    "a string that is not the first statement"\n    y = "doc?"\n    return x + 1\n')
    assert runfiles.code_hash([f]) != h
    txt = tmp_path / "n.txt"  # not Python: byte for byte
    txt.write_text("a # b\n")
    h3 = runfiles.code_hash([txt])
    txt.write_text("a # c\n")
    assert runfiles.code_hash([txt]) != h3


def _dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)


def _plant(lock_path: Path, pid: int, since: float = 0.0) -> None:
    lock_path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": since}))


def test_lock_is_exclusive_and_released(tmp_path):
    out = tmp_path / "r.json"
    with runfiles.lock(out) as held:
        assert held == [tmp_path / "r.json.lock"]
        assert json.loads(held[0].read_text())["pid"] == os.getpid()
        with pytest.raises(RunFileError, match=rf"r\.json\.lock is held by PID {os.getpid()}.*Wait for it"):
            with runfiles.lock(out):
                pass
        assert held[0].exists()  # the refused second run leaves the first one's lock alone
    assert not (tmp_path / "r.json.lock").exists()


def test_live_lock_of_another_process_is_refused(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "up"
        _plant(tmp_path / "r.json.lock", holder.pid, time.time())
        with pytest.raises(RunFileError, match=rf"held by PID {holder.pid}.*use another --out"):
            with runfiles.lock(tmp_path / "r.json"):
                pass
    finally:
        holder.kill()
        holder.wait()
    with runfiles.lock(tmp_path / "r.json"):  # its holder is dead now: taken over
        pass


def test_stale_locks_are_taken_over_with_a_note(tmp_path, capsys):
    lk = tmp_path / "r.json.lock"
    _plant(lk, _dead_pid())
    with runfiles.lock(tmp_path / "r.json"):
        assert json.loads(lk.read_text())["pid"] == os.getpid()
    assert "no longer running" in capsys.readouterr().out and not lk.exists()
    _plant(lk, os.getpid(), since=0.0)  # our own PID, but from before this process: an earlier process's
    with runfiles.lock(tmp_path / "r.json"):
        pass
    lk.write_text('{"pid": 12')  # cut short while being taken, long ago
    os.utime(lk, (time.time() - 60, time.time() - 60))
    with runfiles.lock(tmp_path / "r.json"):
        pass
    assert "unreadable lock" in capsys.readouterr().out
    lk.write_text("")  # just now: someone may be writing it
    with pytest.raises(RunFileError, match=r"r\.json\.lock is being taken by another run right now"):
        with runfiles.lock(tmp_path / "r.json"):
            pass


def test_lock_on_another_host_is_refused(tmp_path):
    (tmp_path / "r.json.lock").write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": 0}))
    with pytest.raises(RunFileError, match=r"held by PID 1 on host elsewhere.*delete .*r\.json\.lock"):
        with runfiles.lock(tmp_path / "r.json"):
            pass
