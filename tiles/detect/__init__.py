"""Source detection: SExtractor's algorithm (``sep``) and LEGUS-style aperture photometry, pure numpy + sep.

:func:`detect_sources` (in :mod:`tiles.detect.pipeline`) is the entry point; the other modules are its steps:
``image`` (band planes, background, detection image), ``extract`` (thresholding and deblending), ``photometry``
(apertures, magnitudes, concentration index), ``match`` (one-to-one matching to a reference), ``result``.
"""
