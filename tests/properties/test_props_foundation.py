"""vglab.runtime, results, runfiles, show, data and train under the hostile-input contract (hostile.py)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from hostile import Case, hostile_test

from vglab import data, results, runfiles, runtime, show, train

TMP = Path(tempfile.mkdtemp(prefix="vglab-props-"))
results.save("probe_run", {"rows": {}}, results.provenance("cpu", 1.0, command="probe"), reduced=True, directory=TMP)


def _model():
    return torch.nn.Linear(2, 1)


def _fit_args():
    m = _model()
    x, y = torch.randn(8, 2), torch.randn(8, 1)
    return {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.01),
            "loss_fn": lambda mod, b: ((mod(b[0]) - b[1]) ** 2).mean(), "batches": lambda s: (x, y),
            "n_steps": 3, "progress_bar": False, "log_every": 1}


CASES = [
    Case("vglab.runtime.by_mode", runtime.by_mode, lambda: {"quick": 1, "learner": 2}, finite=False),
    Case("vglab.runtime.device", runtime.device, lambda: {"prefer": "cpu"}),
    Case("vglab.runtime.available_devices", runtime.available_devices, lambda: {}),
    Case("vglab.runtime.describe", runtime.describe, lambda: {"dev": torch.device("cpu")}),
    Case("vglab.runtime.seed", runtime.seed, lambda: {"n": 3}),
    Case("vglab.runtime.cpu_threads", runtime.cpu_threads, lambda: {"n": 1, "device": "cpu"}),
    Case("vglab.results.results_dir", results.results_dir, lambda: {}),
    Case("vglab.results.provenance", results.provenance,
         lambda: {"device": "cpu", "wall_time_s": 1.5, "command": "python -m x"}),
    Case("vglab.results.save", results.save,
         lambda: {"name": "probe_save", "data": {"a": 1}, "provenance": {"command": "x"}, "reduced": True,
                  "directory": TMP}, also=(OSError,)),
    Case("vglab.results.load", results.load, lambda: {"name": "probe_run", "directory": TMP},
         also=(FileNotFoundError, NotADirectoryError)),
    Case("vglab.results.label", results.label, lambda: {"run": results.load("probe_run", TMP)}),
    Case("vglab.runfiles.write_bytes", runfiles.write_bytes, lambda: {"path": TMP / "b.bin", "data": b"xy"},
         also=(OSError,)),
    Case("vglab.runfiles.write_text", runfiles.write_text, lambda: {"path": TMP / "t.txt", "text": "hello"},
         also=(OSError,)),
    Case("vglab.runfiles.write_json", runfiles.write_json, lambda: {"path": TMP / "j.json", "obj": {"a": [1, 2]},
                                                                    "indent": 1}, also=(OSError,)),
    Case("vglab.runfiles.read_json", runfiles.read_json, lambda: {"path": runfiles.write_json(TMP / "r.json", [1])},
         also=(FileNotFoundError, runfiles.RunFileError, OSError)),
    Case("vglab.runfiles.save_checkpoint", runfiles.save_checkpoint,
         lambda: {"path": TMP / "c.pt", "obj": {"step": 1}, "fmt": "torch"}, also=(OSError,)),
    Case("vglab.runfiles.load_checkpoint", runfiles.load_checkpoint,
         lambda: {"path": runfiles.save_checkpoint(TMP / "l.pt", {"s": 1}), "fmt": "torch"},
         also=(runfiles.RunFileError, OSError)),
    Case("vglab.runfiles.code_hash", runfiles.code_hash, lambda: {"files": [Path(runfiles.__file__)]},
         also=(OSError, SyntaxError)),
    Case("vglab.runfiles.check_settings", runfiles.check_settings,
         lambda: {"path": TMP / "s.pt", "saved": {"T": 1}, "current": {"T": 1}}, also=(runfiles.RunFileError,)),
    Case("vglab.runfiles.lock", runfiles.lock, lambda: {}, probe=()),
    Case("vglab.show.source", show.source, lambda: {"obj": runtime.seed}),
    Case("vglab.show.show_source", show.show_source, lambda: {"obj": runtime.seed, "docstring": True}),
    Case("vglab.show.say", show.say, lambda: {"text": "Q = 1.0"}),
    Case("vglab.data.digits", data.digits, lambda: {"test_fraction": 0.25, "seed": 0, "standardize": False,
                                                     "n": 40, "dtype": torch.float32, "device": "cpu"}),
    Case("vglab.data.Split", data.Split, lambda: {"x_train": torch.zeros(4, 2), "y_train": torch.zeros(4).long(),
                                                   "x_test": torch.zeros(2, 2), "y_test": torch.zeros(2).long()}),
    Case("vglab.train.check_finite", train.check_finite, lambda: {"value": torch.tensor(1.0), "step": 0,
                                                                   "what": "loss"}),
    Case("vglab.train.progress", train.progress, lambda: {"iterable": range(3), "desc": "x", "enabled": False}),
    Case("vglab.train.summary_line", train.summary_line,
         lambda: {"bar": train.progress(range(2), enabled=False)}),
    Case("vglab.train.History", train.History, lambda: {}),
    Case("vglab.train.fit", train.fit, _fit_args, long={"n_steps": 2000}),  # more: valid, but minutes
    Case("vglab.train.DivergenceError", train.DivergenceError, lambda: {}, probe=()),
]

test_valid, test_hostile = hostile_test(CASES)
