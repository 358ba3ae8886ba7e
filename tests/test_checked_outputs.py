"""tools.checked_outputs: what it reads from checked cells, how it sanitizes and compares."""
import nbformat

from tools.checked_outputs import checked_texts, compare, sanitize


def _nb(text, tag="nbval-check-output"):
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("print(1)")
    c.metadata["tags"] = [tag]
    c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text[:3]),
                 nbformat.v4.new_output("stream", name="stdout", text=text[3:]),
                 nbformat.v4.new_output("stream", name="stderr", text="a warning")]
    nb.cells = [nbformat.v4.new_markdown_cell("x"), c]
    return nb


def test_reads_only_checked_cells_and_joins_stdout_chunks():
    assert checked_texts(_nb("Q = 13.4 on cpu\n")) == {"cell 1": "Q = 13.4 on DEVICE\n"}
    assert checked_texts(_nb("anything", tag="nbval-ignore-output")) == {}


def test_sanitize_uses_the_nbval_rules():
    assert sanitize("cuda:0 cpu mps 0x7f3a2b1c00 [00:01<00:02, 3.1it/s]") == "DEVICE DEVICE DEVICE 0xADDRESS [TQDM-TIMING]"


def test_compare_finds_a_changed_digit_and_a_missing_notebook():
    a = {"n.ipynb": checked_texts(_nb("Q = 13.4\n"))}
    assert compare(a, {"n.ipynb": checked_texts(_nb("Q = 13.4\n"))}) == []
    d = compare(a, {"n.ipynb": checked_texts(_nb("Q = 13.5\n"))})
    assert len(d) == 1 and "13.5" in d[0]
    assert compare(a, {}) == ["n.ipynb: only in a"]
