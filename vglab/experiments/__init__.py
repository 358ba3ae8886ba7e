"""Full-scale paper reproductions as CLIs: ``python -m vglab.experiments.NAME`` -> results/."""
