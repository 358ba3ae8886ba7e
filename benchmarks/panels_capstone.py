"""Notebook 08's summary panel for benchmarks/slider_latency.py: testbed × view over precomputed rows
(the saved deep-MLP, T = 20 and T = 100 SRN rows from results/, as the notebook loads them)."""
from vglab import capstone, results


def _panel():
    from vglab.widgets.capstone import summary_panel

    rows = [capstone.add_verdicts(results.load(n)["data"]["rows"]) for n in ("capstone_mlp", "capstone_T20", "capstone_T100")]
    return summary_panel(rows[0] + rows[1], rows[2])


from vglab.widgets.capstone import VIEWS as _V

_VIEWS = list(_V)
MOVES = [{"testbed": ("deep MLP", "SRN T=20", "SRN T=100")[(i // 4) % 3], "view": _VIEWS[i % 4]} for i in range(32)]
PANELS = [("08 which fix when: testbed x view (drop-downs)", _panel, MOVES)]
