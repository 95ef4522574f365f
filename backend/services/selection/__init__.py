"""Which sources an astronomer is working on: range cuts on magnitudes, colours and CI, regions drawn on the
map, a population lassoed in a colour-magnitude diagram, and the nearest unlabelled source from the view.

One filter (:class:`~backend.services.selection.filters.SourceFilter`) restricts the triage grid, ``n``/``p``
and "label next" alike, so the three can never disagree about what is in the working set.
"""
