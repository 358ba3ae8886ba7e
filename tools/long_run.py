"""Run a resumable ``vglab.experiments.table1`` command to the end in chunks, committing its run files.

    python -m tools.long_run --commit-minutes 60 -- --tasks temporal_order --T 100 ... --out NAME

Each chunk is one table1 call with ``--max-minutes`` (exit 3: not finished, resumed by the next
call; the engine itself checkpoints every ``--checkpoint-minutes``). After a chunk, if at least
``--commit-minutes`` have passed since the last commit (and always when the run finishes), the
checkpoint, its progress file and, at the end, ``results/NAME.json`` are committed with
``git commit -- <paths>`` (only those paths; other staged work is left alone). Any other exit
status (a bad argument, a refused resume, a diverged run) stops the loop with that status.
Stop it with ``kill <pid>`` (the chunk's checkpoint is kept); pause it with ``kill -STOP``/``-CONT``
on the table1 process while timings are taken.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _value(args: list, flag: str, default: str) -> str:
    return args[args.index(flag) + 1] if flag in args else default


def commit(paths: list, message: str, tries: int = 10) -> bool:
    """``git commit -- paths`` (retried while another git command holds the index)."""
    paths = [str(p.relative_to(ROOT)) for p in paths if p.exists()]
    for _ in range(tries):
        subprocess.run(["git", "add", "--", *paths], cwd=ROOT, capture_output=True)
        r = subprocess.run(["git", "commit", "-q", "-m", message, "--", *paths], cwd=ROOT, capture_output=True,
                           text=True)
        if r.returncode == 0 or "nothing to commit" in r.stdout + r.stderr or "no changes added" in r.stdout:
            return r.returncode == 0
        time.sleep(5)
    print(f"long_run: could not commit ({r.stderr.strip()}); the files stay on disk", file=sys.stderr)
    return False


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.long_run", description=__doc__.split("\n")[0])
    p.add_argument("--chunk-minutes", type=float, default=30.0)
    p.add_argument("--commit-minutes", type=float, default=60.0)
    p.add_argument("table1", nargs=argparse.REMAINDER, help="-- then the table1 arguments (with --out)")
    a = p.parse_args(argv)
    args = [x for x in a.table1 if x != "--"]
    if "--max-minutes" in args:
        p.error("leave --max-minutes to --chunk-minutes")
    out = _value(args, "--out", "table1")
    ck = ROOT / _value(args, "--checkpoint-dir", "checkpoints")
    files = [ck / f"{out}.fast.pt", ck / f"{out}.progress.json"]
    last = time.time()
    while True:
        cmd = [sys.executable, "-m", "vglab.experiments.table1", *args, "--max-minutes", str(a.chunk_minutes)]
        rc = subprocess.run(cmd, cwd=ROOT).returncode
        done = rc == 0
        if rc not in (0, 3):
            print(f"long_run: table1 exited with status {rc}; stopping (the checkpoint is kept)", file=sys.stderr)
            return rc
        if done or time.time() - last >= 60 * a.commit_minutes:
            what = "finished" if done else "checkpoint"
            commit(files + ([ROOT / "results" / f"{out}.json"] if done else []), f"long run {out}: {what}")
            last = time.time()
        if done:
            return 0


if __name__ == "__main__":
    sys.exit(main())
