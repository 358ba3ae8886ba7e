"""The (case, argument) pairs the hostile probes found violating the contract and that are not fixed yet
(issue 17): each is marked xfail -- strict for the frozen modules (the day a fix lands, the test says so),
non-strict for the rest. ``python -m tools.hostile_report <module>`` prints what each one does now.
Regenerate after fixing: run tests/properties and drop the pairs that pass."""
KNOWN: set = set()  # none left: v17a, v17b and v17d fixed every pair the probes found
