"""Experiments, not product: the benchmarks behind ``skylabel bench ...`` and the demo command.

They drive the product (``backend``, ``tiles``, ``models``) and the simulator; nothing in the product imports them.
"""
