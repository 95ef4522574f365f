"""``skylabel bench label-efficiency``: labels-vs-accuracy curves for the AI loop (the paper's case study 1)."""
