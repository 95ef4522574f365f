"""HTTP API: routes per resource under :mod:`backend.api.routes`, errors mapped in :mod:`backend.api.errors`."""
