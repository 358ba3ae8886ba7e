"""The check functions behind every notebook's "Try it" exercises.

Each checker takes the learner's answer, prints one line -- ``Correct: ...`` or
``Not yet: <hint>`` -- and returns True/False. It never raises: a wrong type, a wrong shape or
an exception inside the learner's function becomes a hint. Each checker is tested in
``tests/test_exercises_<topic>.py`` with a right and a wrong answer.
"""
from __future__ import annotations

from ._checks import (QUIET_LINE, answer_number, choice, close, learner_number, quietly, report,  # noqa: F401
                      run_learner_fn, tensors_close)

# ---- topic checkers: one module per notebook (vglab/exercises/<topic>.py), all re-exported here ----
# ---- so notebooks always call ``vglab.exercises.check_...``; their shared helpers are in _checks --
from .intro import *  # noqa: E402,F401,F403  notebook 00
from .backprop import *  # noqa: E402,F401,F403  notebook 01
from .optim import *  # noqa: E402,F401,F403  notebook 02
from .saturation import *  # noqa: E402,F401,F403  notebook 03
from .recurrent import *  # noqa: E402,F401,F403  notebook 04
from .init_sigma import *  # noqa: E402,F401,F403  notebook 05
from .beta import *  # noqa: E402,F401,F403  notebook 06
from .ds import *  # noqa: E402,F401,F403  notebook 07
from .capstone import *  # noqa: E402,F401,F403  notebook 08

# ---- during a rebuild, record what each worked answer passes (tests/test_exercise_design.py) ----
from ._record import recorded as _recorded  # noqa: E402

for _name in [n for n in globals() if n.startswith("check_") and callable(globals()[n])]:
    globals()[_name] = _recorded(globals()[_name])
del _name
