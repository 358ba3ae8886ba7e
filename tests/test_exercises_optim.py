"""Notebook 02's checkers: a right answer says Correct, a wrong one gets a hint, none raises."""
from vglab import exercises as ex


def _verdict(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # one line
    return out


def test_check_momentum_step(capsys):
    def right(w, v, g, lr, gamma):
        v = gamma * v + lr * g
        return w - v, v

    def wrong_order(w, v, g, lr, gamma):  # updates w with the old v
        return w - v, gamma * v + lr * g

    assert ex.check_momentum_step(right) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_momentum_step(wrong_order) is False
    assert "v := γ v + η g" in _verdict(capsys)
    assert ex.check_momentum_step(lambda *a: 1 / 0) is False
    assert "ZeroDivisionError" in _verdict(capsys)
    assert ex.check_momentum_step(lambda *a: "nonsense") is False
    assert _verdict(capsys).startswith("Not yet")
    assert ex.check_momentum_step(None) is False
    assert _verdict(capsys).startswith("Not yet")


def test_check_adadelta_factor(capsys):
    assert ex.check_adadelta_factor(1e4) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_adadelta_factor(100) is False
    assert "ε and √ε" in _verdict(capsys)
    assert ex.check_adadelta_factor(1e-4) is False
    assert "other way round" in _verdict(capsys)
    assert ex.check_adadelta_factor("lots") is False
    assert _verdict(capsys).startswith("Not yet")


def test_check_clip_threshold(capsys):
    assert ex.check_clip_threshold(1.0) is True
    assert _verdict(capsys).startswith("Correct")
    assert ex.check_clip_threshold(100.0) is False
    assert "thrown out of the window" in _verdict(capsys)
    assert ex.check_clip_threshold(0.05) is False
    assert "too few" in _verdict(capsys)
    for bad in (-1, float("nan"), "big", None):
        assert ex.check_clip_threshold(bad) is False
        assert _verdict(capsys).startswith("Not yet")
