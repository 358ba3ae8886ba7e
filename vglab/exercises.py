"""The check functions behind every notebook's "Try it" exercises.

Each checker takes the learner's answer, prints one line -- ``Correct: ...`` or
``Not yet: <hint>`` -- and returns True/False. It never raises: a wrong type, a wrong shape or
an exception inside the learner's function becomes a hint. Each checker is tested in
``tests/test_exercises_<topic>.py`` with a right and a wrong answer.
"""
from __future__ import annotations

from ._checks import answer_number, choice, close, learner_number, report, run_learner_fn, tensors_close  # noqa: F401

# ---- topic checkers: one module per notebook (vglab/_ex_<topic>.py), all re-exported here so ----
# ---- notebooks always call ``vglab.exercises.check_...``; their shared helpers are in _checks ----
from ._ex_backprop import *  # noqa: E402,F401,F403  notebook 01
from ._ex_optim import *  # noqa: E402,F401,F403  notebook 02
from ._ex_saturation import *  # noqa: E402,F401,F403  notebook 03
from ._ex_recurrent import *  # noqa: E402,F401,F403  notebook 04
from ._ex_init_sigma import *  # noqa: E402,F401,F403  notebook 05
from ._ex_beta import *  # noqa: E402,F401,F403  notebook 06
from ._ex_ds import *  # noqa: E402,F401,F403  notebook 07
from ._ex_capstone import *  # noqa: E402,F401,F403  notebook 08


# ---- notebook 00 -----------------------------------------------------------------------------
def check_critical_factor(answer) -> bool:
    """Notebook 00: which per-layer factor c keeps |gradient| unchanged through 50 layers?"""
    return close(answer, 1.0, rel=0.02, success="c = 1: the product 1**50 = 1 neither vanishes nor explodes.",
                 hint="the gradient after n layers is c**n; which c gives c**50 = 1?")


def check_sigmoid_depth(answer) -> bool:
    """Notebook 00: after how many sigmoid layers (c = 1/4 at best) is the gradient below 1e-6?"""
    try:
        n = int(answer)
    except (TypeError, ValueError):
        return report(False, "", "answer with a whole number of layers")
    ok = n == 10  # 0.25**9 = 3.8e-6 > 1e-6, 0.25**10 = 9.5e-7 < 1e-6
    return report(ok, "10 layers: 0.25**10 = 9.5e-07 < 1e-6 (9 layers still give 3.8e-06).",
                  "solve 0.25**n < 1e-6 for the smallest whole n: n > log(1e-6)/log(0.25) = 9.97")
