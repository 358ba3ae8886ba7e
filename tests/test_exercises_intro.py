"""Notebook 00's checkers: a right answer, wrong answers (also near misses), and nonsense (never raises)."""
import pytest

from vglab import exercises


def _lines(capsys):
    return capsys.readouterr().out.strip().splitlines()


def test_critical_factor(capsys):
    assert exercises.check_critical_factor(1.0) is True
    assert exercises.check_critical_factor(1) is True
    assert _lines(capsys)[0].startswith("Correct")
    # near misses are wrong: 1.02**50 = 2.7, 0.99**50 = 0.61 (a 2 % tolerance used to accept them)
    for wrong in (0.9, 1.02, 1.01, 0.99, 0.98, 1.0 + 1e-6):
        assert exercises.check_critical_factor(wrong) is False
    out = _lines(capsys)
    assert all(line.startswith("Not yet") and "c**50" in line for line in out)
    assert "2.69" in out[1]  # the hint says what the learner's c does over 50 layers


@pytest.mark.parametrize("junk", [None, ..., "one", [1.0], float("nan"), float("inf"), -1.0, 0.0, True])
def test_critical_factor_junk_gives_a_hint(junk, capsys):
    assert exercises.check_critical_factor(junk) is False
    (line,) = _lines(capsys)
    assert line.startswith("Not yet") and "Traceback" not in line


def test_sigmoid_depth(capsys):
    assert exercises.check_sigmoid_depth(15) is True
    assert exercises.check_sigmoid_depth(15.0) is True
    for wrong in (14, 16, 10, 15.5, 14.9):  # 14.9 used to pass as int(14.9); a count is a whole number
        assert exercises.check_sigmoid_depth(wrong) is False
    out = _lines(capsys)
    assert [line.split(":")[0] for line in out] == ["Correct"] * 2 + ["Not yet"] * 5
    assert "15" not in out[2] and "15" not in out[3]  # the hints for 14 and 16 do not give the answer
    assert "still above" in out[2] and "already below" in out[3]


@pytest.mark.parametrize("junk", [None, ..., "ten", [15], float("nan"), float("inf"), -3, 0, True])
def test_sigmoid_depth_junk_gives_a_hint(junk, capsys):
    assert exercises.check_sigmoid_depth(junk) is False
    (line,) = _lines(capsys)
    assert line.startswith("Not yet") and "Traceback" not in line


def test_huge_answers_give_a_hint_not_an_overflow(capsys):
    """c = 1e7 (c**50 overflows a float) and a 400-digit int (float() overflows) are wrong answers, not errors."""
    from vglab import exercises

    assert exercises.check_critical_factor(1e7) is False
    assert exercises.check_critical_factor(10**400) is False
    assert exercises.check_critical_factor(1e-7) is False
    assert exercises.check_sigmoid_depth(10**400) is False
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("Not yet") for line in lines), lines
    assert "1e+350" in lines[0] and "1e-350" in lines[2], lines
