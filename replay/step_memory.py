"""The memory a stress or a replay holds as it steps, to refuse sizes the machine cannot hold.

A stress file's `steps` and an agent's `per_step` have no fixed limit: time grows with steps x
commands (a progress bar on a terminal shows it), and memory with what a run holds at once,
which the figures here estimate before a run starts, against what the machine has available
(`replay.memory`). Each figure was measured with tracemalloc (peak traced allocations).
"""

from __future__ import annotations

from replay.memory import memory_shortfall

STRESS_STEP_BYTES = 330
"""A stress into logs, per step: its path's point, the unstressed twin's, and the prices the
report reads (327 to 330 bytes over 5,000 to 25,000 steps; the records go to the logs)."""
STRESS_COMMAND_BYTES = 120
"""A stress into logs, per command of one step, listed before each runs (117, a payment)."""
PATHS_STEP_BYTES = 1_050
"""A `--paths` stress, per step of each path running at once: its points and its price's
record in the path's in-memory log (1,046 bytes over 5,000 to 25,000 steps)."""
PATHS_COMMAND_BYTES = 882
"""A `--paths` stress, per command a `per_step` agent adds to a path's in-memory log: an
amm_trader's swap (882 bytes; a payment's transfer, 324)."""
REPLAY_POINT_BYTES = 380
"""A replay, per price point of its scenario's `points` and `generated` series, held for the
whole run: the point and the merged step it lands in (362 to 376 bytes a step with one
generated series over 50,000 to 500,000 steps; two series at the same moments, 443 to 454 a
step, so a point at a moment of its own costs the most)."""
REPLAY_COMMAND_BYTES = 2_040
"""A replay, per command its run of steps holds for the one append at the run's end
(`replay.runner.COMMIT_STEPS_MAX`): an amm_trader's swap and its events (2,040 bytes; a
payment's transfer, 815)."""


def stress_refusal(steps: int, commands_per_step: int, paths_running: int | None) -> str | None:
    """Why a stress of `steps` steps, with `commands_per_step` from `per_step` agents, cannot
    be held here (None when it can): into logs (`paths_running` None), or as that many paths
    at once, each in memory."""
    if paths_running is None:
        need = steps * STRESS_STEP_BYTES + commands_per_step * STRESS_COMMAND_BYTES
        sizes = f"{STRESS_STEP_BYTES} bytes a step, {STRESS_COMMAND_BYTES} a command of a step"
    else:
        per_step = PATHS_STEP_BYTES + commands_per_step * PATHS_COMMAND_BYTES
        need = paths_running * steps * per_step
        running = "the one path" if paths_running == 1 else f"each of {paths_running} paths"
        sizes = (
            f"{PATHS_STEP_BYTES:,} bytes a step and {PATHS_COMMAND_BYTES} a command, for "
            f"{running} running at once"
        )
    shortfall = memory_shortfall(need)
    return None if shortfall is None else f"would need {shortfall} ({sizes})"


def replay_refusal(steps_held: int, commands_per_step: int) -> str | None:
    """Why a replay whose runs of `steps_held` steps hold `commands_per_step` commands a step
    cannot be held here (None when it can)."""
    need = steps_held * commands_per_step * REPLAY_COMMAND_BYTES
    shortfall = memory_shortfall(need)
    if shortfall is None:
        return None
    return (
        f"would need {shortfall} ({REPLAY_COMMAND_BYTES:,} bytes a command, held for runs of "
        f"{steps_held} steps until they are appended)"
    )


def path_refusal(points: int) -> str | None:
    """Why a replay of `points` price points cannot be held here (None when it can)."""
    shortfall = memory_shortfall(points * REPLAY_POINT_BYTES)
    if shortfall is None:
        return None
    return f"would need {shortfall} ({REPLAY_POINT_BYTES} bytes a point, held for the whole run)"
