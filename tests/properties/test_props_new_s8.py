"""Session 8's new public name under the hostile-input contract (hostile.py): ``ds_tables.paper_table``, which
names the paper's table a dict of cells is (notebooks 07 and 08 set the T = 150 run beside Table 2)."""
from __future__ import annotations

from hostile import Case, hostile_test

from vglab import ds_tables

CASES = [
    Case("vglab.ds_tables.paper_table", ds_tables.paper_table, lambda: {"paper": ds_tables.PAPER_T150}, finite=False),
]

test_valid, test_hostile = hostile_test(CASES)
