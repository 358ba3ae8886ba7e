"""Round s4's (and s5's) new public names under the hostile-input contract (hostile.py): the verdict of the full-size
long run (``vglab.ds_long_run``, notebooks 07 and 08) and notebook 04's saved §7-8 experiment
(``vglab.experiments.recurrent_fixes``; its training is probed at a tiny size)."""
from __future__ import annotations

from hostile import Case, hostile_test

from vglab import ds_long_run as dlr
from vglab.ds_tables import PAPER_T100
from vglab.experiments import recurrent_fixes as rf

COVERS = ("vglab.ds_long_run.ALPHA",)

TINY = ["--T", "10", "--hidden", "2", "--networks", "1", "--steps", "1", "--truncations", "T", "--no-progress",
        "--device", "cpu"]


def _view(finished=True):
    """A finished 4-network run in ds_tables.long_run's format, with a trace per reading."""
    rows = {}
    for k, base in (("plain", 30.0), ("ds", 32.0), ("ds_own", 29.0)):
        rows[k] = {"test_at": [50, 100], "test_score": [[base, base + 1, base - 1, base + 2],
                                                       [base + 3, base + 1, base + 5, base]],
                   "trace": {"update": [25, 50, 75, 100], "accepted": [[1, 0.5, 0.4, 0.3]] * 4,
                             "q": [[3.0, 1.0, -0.5, -1.0]] * 4}}
    return {"task": "temporal_order", "updates": 100, "updates_done": 100 if finished else 60,
            "finished": finished, "label": "a test run", "settings": {"T": 100, "networks": 4}, "rows": rows}


CASES = [
    Case("vglab.ds_long_run.sign_flip_p", dlr.sign_flip_p, lambda: {"diffs": [1.0, -2.0, 3.5, 0.5]}),
    Case("vglab.ds_long_run.compare", dlr.compare,
         lambda: {"view": _view(), "reading": "ds", "baseline": "plain", "alpha": 0.05}, finite=False),
    Case("vglab.ds_long_run.over_run", dlr.over_run, lambda: {"view": _view(), "reading": "ds_own"}),
    Case("vglab.ds_long_run.applied_share", dlr.applied_share, lambda: {"view": _view(), "reading": "ds"}),
    Case("vglab.ds_long_run.adjusted_p", dlr.adjusted_p, lambda: {"ps": [0.006, 0.043], "method": "holm"}),
    Case("vglab.ds_long_run.status", dlr.status, lambda: {"view": _view(False)}),
    Case("vglab.ds_long_run.report", dlr.report, lambda: {"view": _view(), "paper": PAPER_T100}),
    Case("vglab.ds_long_run.summary", dlr.summary, lambda: {"view": _view(), "paper": PAPER_T100}),
    Case("vglab.experiments.recurrent_fixes.parse", rf.parse, lambda: {"argv": list(TINY)}, also=(SystemExit,)),
    Case("vglab.experiments.recurrent_fixes.check", rf.check, lambda: {"a": rf.parse(list(TINY))}),
    Case("vglab.experiments.recurrent_fixes.run", rf.run, lambda: {"a": rf.parse(list(TINY)), "command": None},
         finite=False, examples=3),
    # argv None or empty: the experiment's full-size default run (minutes), a valid but long call: not made
    Case("vglab.experiments.recurrent_fixes.main", rf.main, lambda: {"argv": list(TINY)}, also=(SystemExit,),
         finite=False, examples=3, long={"argv": lambda v: v is None or isinstance(v, (list, tuple)) and not v}),
]

test_valid, test_hostile = hostile_test(CASES)


def test_alpha_is_a_test_level():
    assert 0 < dlr.ALPHA < 1
