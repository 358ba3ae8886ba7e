"""vglab.experiments.recurrent_fixes: notebook 04's sections 7-8 as a saved run."""
import pytest

from vglab import results
from vglab.experiments import recurrent_fixes


def test_tiny_run_writes_every_kind_and_truncation(tmp_path):
    path = recurrent_fixes.run(recurrent_fixes.parse(
        ["--T", "10", "--networks", "2", "--steps", "2", "--hidden", "4", "--truncations", "3,T",
         "--results-dir", str(tmp_path), "--no-progress", "--device", "cpu"]), command="test")
    run = results.load(path.stem, tmp_path)
    data = run["data"]
    assert set(data["kinds"]) == {"SRN", "orthogonal", "IRNN", "LayerNorm-SRN", "GRU", "LSTM f-bias 1"}
    assert set(data["truncations"]) == {"3", "10"} and data["settings"]["truncations"] == [3, 10]
    assert all(len(v) == 2 and all(0 <= a <= 1 for a in v) for v in [*data["kinds"].values(),
                                                                     *data["truncations"].values()])
    # k = T detaches nothing: the same networks on the same minibatches as the LSTM row, so the same scores
    assert data["truncations"]["10"] == data["kinds"]["LSTM f-bias 1"]


@pytest.mark.parametrize("argv", [["--truncations", "0"], ["--truncations", "41"], ["--truncations", "x"],
                                  ["--T", "5"], ["--networks", "0"], ["--out", "a/b"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        recurrent_fixes.parse(argv)
    assert e.value.code == 2
    assert "--" in capsys.readouterr().err
