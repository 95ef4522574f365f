"""The CLI's one progress renderer: ingest stages and task events drawn the same way, on stderr.

On a terminal each job is one line redrawn in place with a bar; in a log (not a terminal) a job prints a line
each time it passes another tenth, and once when it ends, so CI logs stay short. stdout stays free for
``--json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from typing import Any, TextIO

BAR = 30


class ProgressRenderer:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: Any = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown: dict[Hashable, int] = {}

    def show(self, job: Hashable, label: str, fraction: float, message: str = "", final: bool = False) -> None:
        """Draw ``job``'s progress (``fraction`` in [0, 1]); ``final`` ends its line."""
        fraction = max(0.0, min(1.0, float(fraction)))
        filled = int(round(BAR * fraction))
        line = f"{label:9s} [{'#' * filled}{'.' * (BAR - filled)}] {100 * fraction:5.1f}%" + (
            f"  {message}" if message else "")
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        else:
            tenth = -1 if final else int(fraction * 10)
            if self._shown.get(job) == tenth and tenth >= 0:
                return
            self._shown[job] = tenth
            self.stream.write(line + "\n")
        self.stream.flush()

    def stage_callback(self, label: str) -> Callable[[str, float], None]:
        """A ``progress(stage, fraction)`` callback (ingest's) drawing each stage as a job of its own."""
        def report(stage: str, fraction: float) -> None:
            self.show((label, stage), f"{label}: {stage}", fraction, final=fraction >= 1.0)
        return report

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        """An event :class:`~backend.worker.events.Publisher`: draws ``task`` events."""
        if kind != "task":
            return
        self.show(data["id"], data["name"], float(data.get("progress") or 0.0), str(data.get("message") or ""),
                  final=data["status"] in ("done", "failed"))


def progress_printer(label: str) -> Callable[[str, float], None]:
    """A ``progress(stage, fraction)`` callback printing ``label: stage [bar] 42.0%`` lines to stderr."""
    return ProgressRenderer().stage_callback(label)
