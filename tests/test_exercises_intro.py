"""Notebook 00's checkers: a right answer, a wrong answer, and nonsense (never raises)."""
from vglab import exercises


def test_critical_factor(capsys):
    assert exercises.check_critical_factor(1.0) is True
    assert "Correct" in capsys.readouterr().out
    assert exercises.check_critical_factor(0.9) is False
    assert "Not yet" in capsys.readouterr().out
    assert exercises.check_critical_factor(None) is False
    assert "number" in capsys.readouterr().out


def test_sigmoid_depth(capsys):
    assert exercises.check_sigmoid_depth(10) is True
    assert exercises.check_sigmoid_depth(9) is False
    assert exercises.check_sigmoid_depth("ten") is False
    out = capsys.readouterr().out
    assert out.count("Correct") == 1 and out.count("Not yet") == 2
