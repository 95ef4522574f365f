"""The scale-out deployment run as processes on loopback: PostgreSQL, Redis, nginx in front of several
``skylabel serve`` processes, Celery workers (``make scale-demo``, ``skylabel bench scale``,
tests/e2e/test_scale.py)."""
