"""Domain services: what the API routes and the CLI both call."""
