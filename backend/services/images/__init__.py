"""Image services: the image store and ingest, the tile-serving cache, WCS queries, source detection."""
