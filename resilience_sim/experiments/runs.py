"""Long studies: replications written to disk batch by batch, resumable (experiments layer).

:func:`run_study` is :func:`~resilience_sim.experiments.study.simulate` for studies
that take long enough to be interrupted: every finished batch is written to a partial
run folder (layout in :mod:`resilience_sim.experiments.results`), so Ctrl-C, a killed
process or a lost machine keeps the finished batches, and :func:`resume_study` runs
only the missing ones. Because replication ``k`` always draws from seed child ``k``,
the resumed study's tables are bit-identical to an uninterrupted run's, whatever the
executors and worker counts of the sessions.

Memory holds a few batches and the summary (one row per replication), whatever the
number of replications: batches are written as they arrive, the finished run folder's
tables are streamed from the batch files, and the returned result holds only the
summary (the other tables are read from the run folder when first used;
docs/robustness.md).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from resilience_sim.errors import InputError, InputProblem, InputWarning, OutputError
from resilience_sim.experiments.executors import Executor, ExecutorName, make_executor
from resilience_sim.experiments.results import PartialRun
from resilience_sim.experiments.runfolder import execution_record, package_versions
from resilience_sim.experiments.study import (
    SimulationResult,
    StudyContext,
    check_batch_size,
    default_batch_size,
    execute,
    plan_batches,
    run_batch,
    study_arguments,
)
from resilience_sim.scenario import Scenario


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C during a long study: the finished batches are kept in ``run_dir``.

    A KeyboardInterrupt, so code that handles Ctrl-C still does; continue with
    ``resume_study(run_dir)`` (CLI: ``resilience-sim run --resume RUN_DIR``).
    """

    def __init__(self, run_dir: Path, replications_done: int, replications: int):
        self.run_dir = run_dir
        self.replications_done = replications_done
        self.replications = replications
        super().__init__(
            f"interrupted: {replications_done} of {replications} replications kept in "
            f"{run_dir}; resume with resume_study({str(run_dir)!r})"
        )


def run_study(
    scenario: Scenario,
    results_dir: str | Path = "results",
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
) -> SimulationResult:
    """Run a study into a new run folder under ``results_dir``, batch by batch.

    Arguments as for ``simulate``. Returns the same tables as ``simulate`` with the
    finished run folder in ``.run_dir``: the summary in memory, the other tables read
    from the run folder on first access. On Ctrl-C raises :class:`StudyInterrupted`
    naming the partial run folder to resume.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    results_dir : str or Path, default 'results'
        The folder the new results folder goes in.
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).

    Returns
    -------
    SimulationResult
        The study's results.
    """
    n, seed = study_arguments(scenario, replications, seed)
    check_batch_size(batch_size)
    runner, owned = make_executor(executor)
    try:
        context = StudyContext.build(scenario)
        size = batch_size or default_batch_size(n, runner.n_workers)
        execution = execution_record(runner.name, runner.n_workers, size)
        partial = PartialRun.create(results_dir, scenario, seed, n, size, execution)
        try:
            with partial.locked():
                return _complete(partial, context, runner, progress)
        except OutputError:  # disk full: the saved batches stay, to resume
            raise
        except InputError:  # found mid-study (a custom policy failing): nothing to resume
            partial.remove()
            raise
    finally:
        if owned:
            runner.close()


def resume_study(
    run_dir: str | Path,
    progress: Callable[[int], None] | None = None,
    *,
    executor: Executor | ExecutorName | None = None,
) -> SimulationResult:
    """Finish the study in the partial run folder ``run_dir`` (see :func:`run_study`).

    The scenario, seed, replications and batch plan are those recorded in the folder.
    Warns (InputWarning) if the package versions differ from the first session's.

    Parameters
    ----------
    run_dir : str or Path
        The partial run folder.
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.

    Returns
    -------
    SimulationResult
        The study's results.
    """
    partial = PartialRun.open(run_dir)
    with partial.locked():
        finished = partial.finished_folder()
        if finished is not None:  # killed after renaming the finished folder
            result = _result_from_folder(partial, finished)
            partial.remove()
            return result
        if partial.progress.get("versions") != package_versions():
            warnings.warn(
                f"{run_dir}: package versions differ from the session that started this "
                "study; results may not match an uninterrupted run",
                InputWarning,
                stacklevel=2,
            )
        scenario = partial.scenario()
        runner, owned = make_executor(executor)
        try:
            partial.add_session(execution_record(runner.name, runner.n_workers, partial.batch_size))
            return _complete(partial, StudyContext.build(scenario), runner, progress)
        finally:
            if owned:
                runner.close()


def _complete(
    partial: PartialRun,
    context: StudyContext,
    runner: Executor,
    progress: Callable[[int], None] | None,
) -> SimulationResult:
    """Run the batches missing from ``partial`` (whose lock the caller holds), then
    write the finished run folder."""
    started = time.perf_counter()
    earlier_s = float(partial.progress.get("wall_time_s", 0.0))
    partial.clear_unfinished()
    batches = plan_batches(partial.seed, partial.replications, partial.batch_size)
    done_batches = partial.done_batches()
    todo = [i for i in range(len(batches)) if i not in done_batches]
    sizes = [batches[i].size for i in todo]
    done = partial.replications - sum(sizes)
    if progress is not None:
        progress(done)
    work = execute(runner, run_batch, context, [batches[i] for i in todo], sizes, progress, done)
    try:
        with contextlib.closing(work):
            for j, tables in work:
                partial.write_batch(todo[j], tables)
                done += sizes[j]
                partial.record(done, earlier_s + time.perf_counter() - started)
    except KeyboardInterrupt:
        raise StudyInterrupted(partial.path, done, partial.replications) from None
    except OutputError as exc:  # disk full: the saved batches stay, to resume
        raise _with_resume_hint(exc, partial, done) from None
    except InputError:  # bad input, not lost work: resuming would fail the same way
        raise
    except Exception as exc:  # e.g. a worker process died: the saved batches stay usable
        exc.add_note(
            f"{done} of {partial.replications} replications are kept in {partial.path}; "
            f"continue with resume_study({str(partial.path)!r}) "
            f"(CLI: resilience-sim run --resume {partial.path})"
        )
        raise
    result = SimulationResult(
        scenario=context.scenario,
        seed=partial.seed,
        replications=partial.replications,
        summary=partial.read_summary(),
        wall_time_s=earlier_s + time.perf_counter() - started,
        execution=partial.execution,
    )
    try:
        result.run_dir = partial.finish(result)
    except OutputError as exc:
        raise _with_resume_hint(exc, partial, partial.replications) from None
    return result


def _with_resume_hint(exc: OutputError, partial: PartialRun, done: int) -> OutputError:
    """``exc`` (a write that failed, e.g. disk full) plus what is kept and how to go on."""
    kept = InputProblem(
        str(partial.path),
        "--resume",
        f"{done} of {partial.replications} replications are kept; free some space and "
        f"continue with: resilience-sim run --resume {partial.path}",
    )
    return OutputError([*exc.problems, kept], exc.errno)


def _result_from_folder(partial: PartialRun, folder: Path) -> SimulationResult:
    return SimulationResult(
        scenario=partial.scenario(),
        seed=partial.seed,
        replications=partial.replications,
        summary=pd.read_parquet(folder / "summary.parquet"),
        wall_time_s=float(partial.progress.get("wall_time_s", 0.0)),
        run_dir=folder,
        execution=partial.execution,
    )
