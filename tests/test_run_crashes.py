"""The run-file CLIs (table1 on both engines, capstone) under injected faults, deterministically.

At every write point of an uninterrupted run, the process "dies" (an exception nothing catches)
halfway through writing the bytes, or just before a rename; the lock it held is then left behind by
a dead PID as a real kill would. Running the same command again must finish with the same rows as
the uninterrupted run. Changed settings, a second run into the same output and bad arguments are
refused before any training.
"""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from vglab import capstone, ds_train, runfiles
from vglab.experiments import capstone as cap_cli
from vglab.experiments import table1
from vglab.runtime import cpu_threads

def _replace(argv, flag, value):
    argv = list(argv)
    argv[argv.index(flag) + 1] = value
    return argv


TINY = ["--tasks", "temporal_order", "--T", "10", "--networks", "2", "--updates", "60", "--methods", "plain,ds",
        "--n-train", "50", "--n-val", "20", "--n-test", "20", "--hidden", "6", "--device", "cpu", "--reduced",
        "--no-progress", "--out", "t"]
FAST = TINY + ["--engine", "fast", "--mode", "eager", "--checkpoint-minutes", "1e-9"]  # a checkpoint per epoch
REF = _replace(TINY, "--updates", "20") + ["--engine", "reference"]
CAP = ["--T", "12", "--networks", "1", "--updates", "3", "--adam-steps", "2", "--n-train", "30", "--n-val", "10",
       "--n-test", "20", "--remedies", "plain SGD,LSTM f-bias 1", "--reduced", "--out", "t", "--no-progress"]


class Killed(BaseException):
    """The injected fault: like a kill, nothing in vglab catches it."""


@pytest.fixture(autouse=True)
def _one_thread():
    with cpu_threads(1):
        yield


def _table1(d, argv):
    return table1.main(argv + ["--results-dir", str(d / "res"), "--checkpoint-dir", str(d / "ck")])


def _capstone(d, argv):
    return cap_cli.main(argv + ["--results-dir", str(d / "res")])


def _rows(d):
    rows = json.loads((d / "res" / "t.json").read_text())["data"]["rows"]
    strip = lambda r: {k: v for k, v in r.items()  # noqa: E731
                       if not k.startswith("wall") and k not in ("sec_per_update", "cost")}  # timings vary
    return [strip(r) for r in rows] if isinstance(rows, list) else rows


def _faults(monkeypatch, kind=None, at=0):
    """Count writes and renames; with ``kind``, the ``at``-th write dies halfway / the ``at``-th rename dies."""
    n = {"write": 0, "rename": 0}
    write, rename = runfiles._write_fd, runfiles._rename

    def w(fd, data):
        n["write"] += 1
        if kind == "write" and n["write"] == at:
            write(fd, data[: len(data) // 2])
            raise Killed
        write(fd, data)

    def r(src, dst):
        n["rename"] += 1
        if kind == "rename" and n["rename"] == at:
            raise Killed
        rename(src, dst)
    monkeypatch.setattr(runfiles, "_write_fd", w)
    monkeypatch.setattr(runfiles, "_rename", r)
    return n


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)


def _leave_locks(d, locks, dead):
    """What a kill leaves behind: the run's locks, held by a PID that is gone."""
    for name in locks:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(json.dumps({"pid": dead, "host": socket.gethostname(), "since": 0}))


CLIS = {"table1-reference": (_table1, REF, ["res/t.json.lock", "ck/t.pt.lock"]),
        "table1-fast": (_table1, FAST, ["res/t.json.lock", "ck/t.fast.pt.lock"]),
        "capstone": (_capstone, CAP, ["res/t.json.lock"])}


POINTS = {"table1-reference": {"write": 3, "rename": 4},  # 2 checkpoints (the 2nd moves the 1st to .prev), JSON
          "table1-fast": {"write": 4, "rename": 6},  # 2 epochs, the group done, JSON
          "capstone": {"write": 3, "rename": 4}}  # 2 remedies, JSON


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Per CLI: the rows of an uninterrupted run and how many writes and renames it made."""
    cache = {}

    def get(cli):
        if cli not in cache:
            main, argv, _ = CLIS[cli]
            d = tmp_path_factory.mktemp(cli)
            with pytest.MonkeyPatch.context() as mp, cpu_threads(1):
                n = _faults(mp)
                assert main(d, argv) == 0
            cache[cli] = _rows(d), dict(n)
        return cache[cli]
    return get


@pytest.mark.parametrize("cli", list(CLIS))
def test_the_write_points_are_all_in_the_fault_table(uninterrupted, cli):
    assert uninterrupted(cli)[1] == POINTS[cli]  # a new write point must be added to POINTS (and so tested)


@pytest.mark.parametrize("cli, kind, at", [(c, k, i) for c, p in POINTS.items() for k, n in p.items()
                                           for i in range(1, n + 1)])
def test_a_kill_at_a_write_point_then_a_resume_equals_an_uninterrupted_run(tmp_path, monkeypatch, uninterrupted,
                                                                           cli, kind, at):
    main, argv, locks = CLIS[cli]
    want = uninterrupted(cli)[0]
    _faults(monkeypatch, kind, at)
    with pytest.raises(Killed):
        main(tmp_path, argv)
    monkeypatch.undo()
    _leave_locks(tmp_path, locks, _dead_pid())
    assert main(tmp_path, argv) == 0
    assert _rows(tmp_path) == want
    leftovers = sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".lock", ".tmp"))
    assert leftovers == []  # the dead run's locks taken over and released, no temp files


def test_table1_truncated_newest_checkpoint_costs_only_the_work_since(tmp_path, capsys):
    argv = REF + ["--tasks", "temporal_order,addition", "--max-minutes", "0"]
    assert [_table1(tmp_path, argv) for _ in range(3)] == [3, 3, 3]  # 3 of 4 (task, method) done
    ck = tmp_path / "ck" / "t.pt"
    data = ck.read_bytes()
    ck.write_bytes(data[: len(data) // 3])
    capsys.readouterr()
    assert _table1(tmp_path, argv) == 3  # the third row again from the .prev (2 done)
    assert "previous good checkpoint" in capsys.readouterr().out
    assert _table1(tmp_path, argv) == 0
    assert _table1(tmp_path / "whole", REF + ["--tasks", "temporal_order,addition"]) == 0
    assert _rows(tmp_path) == _rows(tmp_path / "whole")


@pytest.mark.parametrize("cli, flag, old, new", [("table1-reference", "--updates", "20", "21"),
                                                 ("table1-fast", "--hidden", "6", "7"),
                                                 ("capstone", "--T", "12", "13")])
def test_changed_settings_are_refused_on_resume(tmp_path, monkeypatch, cli, flag, old, new):
    main, argv, _ = CLIS[cli]
    argv = argv + ["--methods", "plain"] if cli == "table1-reference" else argv
    n = _faults(monkeypatch, "write", 2)  # dies after the first checkpoint
    with pytest.raises(Killed):
        main(tmp_path, argv)
    monkeypatch.undo()
    assert n["write"] == 2
    changed = list(argv)
    changed[changed.index(flag) + 1] = new
    with pytest.raises(SystemExit) as e:
        main(tmp_path, changed)
    msg = str(e.value.code)
    assert "other settings" in msg and f"{flag[2:].replace('-', '_')}: {old} saved vs {new} now" in msg
    assert "t." in msg and "another --out" in msg and "delete" in msg


@pytest.mark.parametrize("cli", list(CLIS))
def test_a_second_run_into_the_same_out_refuses_and_leaves_the_first_alone(tmp_path, monkeypatch, cli):
    main, argv, _ = CLIS[cli]
    assert main(tmp_path, argv) == 0  # "the first run": its results
    lk = tmp_path / "res" / "t.json.lock"  # the first run still going: a live lock (this test's process)
    lk.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.setattr(ds_train, "make_data", lambda *a, **k: pytest.fail("trained although refused"))
    monkeypatch.setattr(capstone, "run_srn", lambda *a, **k: pytest.fail("trained although refused"))
    with pytest.raises(SystemExit) as e:
        main(tmp_path, argv)
    assert "t.json.lock is held by PID" in str(e.value.code) and "another --out" in str(e.value.code)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # the first run's files, and its lock, untouched


BAD_TABLE1 = [("--tasks", ",", "--tasks must name at least one"), ("--methods", "plain,plain", "more than once"),
              ("--networks", "0", "--networks must be >= 1"), ("--n-train", "5", "--n-train must be >= 10"),
              ("--n-test", "0", "--n-test must be >= 1"), ("--hidden", "0", "--hidden must be >= 1"),
              ("--checkpoint-minutes", "0", "--checkpoint-minutes must be a finite number > 0"),
              ("--max-minutes", "-1", "--max-minutes must be a finite number >= 0"),
              ("--max-minutes", "nan", "--max-minutes must be"), ("--out", "../x", "--out must be a plain file"),
              ("--device", "gpu0", "--device"), ("--seed", "-1", "--seed must be >= 0"),
              ("--verify-updates", "0", "--verify-updates must be >= 1"), ("--T", "5", "--T must be >= 10")]
BAD_CAPSTONE = [("--remedies", "", "--remedies must name at least one"), ("--adam-steps", "0", "--adam-steps"),
                ("--max-minutes", "inf", "--max-minutes must be"), ("--out", "a/b", "--out must be a plain"),
                ("--n-val", "0", "--n-val must be >= 1"), ("--remedies", "gru", "--remedies must be one of")]


@pytest.mark.parametrize("cli, flag, value, match", [("table1", *c) for c in BAD_TABLE1]
                         + [("capstone", *c) for c in BAD_CAPSTONE] + [("table1-fast-pascanu", "", "", "")],
                         ids=lambda v: str(v))
def test_bad_arguments_exit_2_before_any_training(tmp_path, monkeypatch, capsys, cli, flag, value, match):
    monkeypatch.setattr(ds_train, "make_data", lambda *a, **k: pytest.fail("data made before the check"))
    monkeypatch.setattr(capstone, "run_srn", lambda *a, **k: pytest.fail("trained before the check"))
    if cli == "table1-fast-pascanu":
        argv, match = _replace(FAST, "--methods", "plain,pascanu"), "--engine fast runs"
    else:
        base = REF if cli == "table1" else CAP
        argv = _replace(base, flag, value) if flag in base else base + [flag, value]
    main = _table1 if cli.startswith("table1") else _capstone
    with pytest.raises(SystemExit) as e:
        main(tmp_path, argv)
    assert e.value.code == 2
    assert match in capsys.readouterr().err
    assert not (tmp_path / "res").exists() and not (tmp_path / "ck").exists()
