"""Slider panels: thin wiring of ipywidgets over pure compute functions and ax-taking plots.

One module per notebook topic. Every panel is a function returning a widget (an ``ipywidgets``
container) and exposes ``panel.update(**values)`` so tests and benchmarks drive it headless.
"""
