"""The Table 1 CLI end to end on a tiny config, into a tmp dir, interrupted and resumed."""
import json

import pytest
import torch

from vglab import results
from vglab.experiments import table1
from vglab.runtime import cpu_threads

ARGS = ["--tasks", "temporal_order,addition", "--T", "10", "--networks", "2", "--updates", "15",
        "--methods", "plain,ds,ds_as_printed", "--n-train", "40", "--n-val", "10", "--n-test", "10",
        "--hidden", "6", "--device", "cpu", "--reduced", "--no-progress"]


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one thread avoids OpenMP oversubscription when other jobs share the 2 cores."""
    with cpu_threads(1):
        yield


def _run(tmp_path, out, extra=()):
    argv = ARGS + ["--out", out, "--results-dir", str(tmp_path / "res"), "--checkpoint-dir", str(tmp_path / "ck"),
                   *extra]
    return table1.run(table1.parse(argv), command="table1 " + " ".join(argv))


def test_cli_runs_resumes_and_matches_an_uninterrupted_run(tmp_path):
    assert _run(tmp_path, "t1", ["--chunk-minutes", "0"]) is None  # stops after one (task, method)
    ck = torch.load(tmp_path / "ck" / "t1.pt", weights_only=False)
    assert list(ck["done"]) == ["temporal_order/plain"]
    path = _run(tmp_path, "t1")  # resumes: the rest, then writes the JSON
    run = results.load("t1", directory=tmp_path / "res")
    assert run["reduced"] is True and "table1" in run["provenance"]["command"]
    rows = run["data"]["rows"]
    assert set(rows) == {"temporal_order", "addition"} and set(rows["addition"]) == {"plain", "ds", "ds_as_printed"}
    for row in rows["temporal_order"].values():
        assert len(row["test_score"]) == 2 and row["best"] == max(100 * s for s in row["test_score"])
        assert all(a == 1.0 for a in row["accept_rate"]) or row["method"] != "plain"
    fresh = _run(tmp_path, "t2")
    assert json.loads(fresh.read_text())["data"]["rows"] == json.loads(path.read_text())["data"]["rows"]


def test_parse_rejects_unknown_names():
    for bad in (["--tasks", "parity"], ["--methods", "magic"], ["--T", "3"]):
        with pytest.raises(SystemExit):
            table1.parse(bad)


def test_own_regime_readings_train_pascanus_network(tmp_path):
    """--methods with Pascanu's regime: those rows train his 50-unit smart_tanh network (the same one
    for all three), the others the paper's; --engine fast refuses them."""
    argv = ARGS[:ARGS.index("--methods")] + ["--methods", "plain,plain_own,clipping_own"] + ARGS[ARGS.index("--n-train"):]
    argv = [a if a != "temporal_order,addition" else "temporal_order" for a in argv]
    argv[argv.index("--updates") + 1] = "3"
    argv += ["--out", "own", "--results-dir", str(tmp_path / "res"), "--checkpoint-dir", str(tmp_path / "ck")]
    table1.run(table1.parse(argv), command="table1 own")
    rows = results.load("own", directory=tmp_path / "res")["data"]["rows"]["temporal_order"]
    assert rows["plain"]["model"] == {"hidden": 6, "init": "N(0, 0.01)"}
    assert rows["plain_own"]["model"] == rows["clipping_own"]["model"] == {"hidden": 50, "init": "smart_tanh"}
    assert rows["plain_own"]["config"]["lr"] == 0.01 and rows["plain"]["config"]["lr"] == 1e-5
    a = table1.parse(argv[:argv.index("--out")])
    init = table1.initial_networks("temporal_order", a, "cpu", seed=0, own=True)()
    W = init.W_rec.detach().double()
    assert init.n_hidden == 50 and bool(((W != 0).sum(-1) == 15).all())
    assert torch.allclose(torch.linalg.eigvals(W).abs().amax(-1), torch.full((2,), 0.95, dtype=W.dtype), atol=1e-5)
    with pytest.raises(SystemExit):
        table1.parse(argv[:argv.index("--out")] + ["--engine", "fast"])
