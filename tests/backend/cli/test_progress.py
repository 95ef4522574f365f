"""The CLI's one progress renderer: stage callbacks and task events, in a log and on a terminal."""

from __future__ import annotations

import io

from backend.cli.progress import ProgressRenderer


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_log_a_job_prints_once_per_tenth_and_at_the_end() -> None:
    out = io.StringIO()
    report = ProgressRenderer(out).stage_callback("ingest demo")
    for i in range(101):
        report("cogs", i / 100)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and all(line.startswith("ingest demo: cogs") for line in lines)
    assert lines[0].endswith("0.0%") and "100.0%" in lines[-1] and "#" * 30 in lines[-1]


def test_task_events_draw_a_bar_and_end_their_line_on_a_terminal() -> None:
    out = Tty()
    renderer = ProgressRenderer(out)
    renderer.publish(1, "predictions", {"id": 9})  # not a task event: nothing drawn
    renderer.publish(1, "task", {"id": 9, "name": "pretrain", "progress": 0.5, "message": "120 images/s",
                                 "status": "running"})
    renderer.publish(1, "task", {"id": 9, "name": "pretrain", "progress": 1.0, "message": "done",
                                 "status": "done"})
    text = out.getvalue()
    assert text.count("\r\x1b[2K") == 2 and text.endswith("done\n")
    assert " 50.0%  120 images/s" in text and "#" * 15 + "." * 15 in text


def test_fractions_outside_zero_to_one_are_clamped() -> None:
    out = io.StringIO()
    ProgressRenderer(out).show("j", "x", 1.7, final=True)
    ProgressRenderer(out).show("k", "y", -0.2)
    assert "100.0%" in out.getvalue() and "  0.0%" in out.getvalue()
