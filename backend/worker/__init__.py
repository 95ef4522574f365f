"""Background work of the AI loop, one way round: live events (:mod:`.events`), what a task gets
(:mod:`.context`), the in-process lanes (:mod:`.lanes`), where tasks run (:mod:`.dispatch`: inline, lanes,
Celery), asking for one (:mod:`.submit`), the task bodies (:mod:`.tasks`), running one (:mod:`.runner`) and
the debounced refit after labels (:mod:`.live`). :mod:`.install` (the API) and :mod:`.celery_app` (a Celery
worker) wire them; task-run bookkeeping is a service (:mod:`backend.services.task_runs`)."""
