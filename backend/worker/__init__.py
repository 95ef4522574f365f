"""Background work of the AI loop: task runs (:mod:`.runs`), the tasks (:mod:`.tasks`), how they are asked
for (:mod:`.submit`) and run (:mod:`.dispatch`: threads in-process, inline, or Celery via :mod:`.celery_app`),
live events (:mod:`.events`) and the debounced refit after labels (:mod:`.live`)."""
