"""Several studies in one executor pass: sweeps' settings, event sets' events, portfolios'
combinations of investments.

Experiments layer. Each study is a scenario with its own seed and number of
replications; every (study, batch) pair is one executor task, so a set of short studies
(a catalogue's events, one replication each) runs in parallel across studies. Results
are the summary tables of :func:`resilience_sim.experiments.study.simulate_summary`,
bit for bit, whatever the executor and batch size.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from resilience_sim.errors import rewarn_once
from resilience_sim.experiments.executors import Executor, ExecutorName, make_executor
from resilience_sim.experiments.study import (
    Batch,
    StudyContext,
    check_batch_size,
    default_batch_size,
    execute,
    plan_batches,
    run_batch_summary,
)
from resilience_sim.scenario import Scenario


def build_contexts(
    scenarios: list[Scenario], seen_warnings: set[str] | None = None
) -> list[StudyContext]:
    """One context per setting; parts equal to the first setting's (the compiled
    topology, the baseline, ...) are replaced by that one object, so a worker receives
    them once, not once per setting; so are the equal parts of a plan that differs
    (the crew plan of a setting that changes only the policy, ...). Each distinct
    warning is shown once.

    Parameters
    ----------
    scenarios : list[Scenario]
        One scenario per setting.
    seen_warnings : set[str] or None, default None
        Warnings already shown (updated).

    Returns
    -------
    list[StudyContext]
        One context per setting.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        contexts = [StudyContext.build(s) for s in scenarios]
    first = contexts[0]
    contexts = [
        dataclasses.replace(c, **shared_parts(c, first, exclude=("scenario",), deep=("plan",)))
        for c in contexts
    ]
    rewarn_once(caught, set() if seen_warnings is None else seen_warnings)
    return contexts


def shared_parts(
    obj: Any, first: Any, exclude: Sequence[str] = (), deep: Sequence[str] = ()
) -> dict[str, Any]:
    """The fields of dataclass ``obj`` to replace by ``first``'s: those equal to it
    (:func:`same_part`), and for a field named in ``deep`` that differs, the field
    itself with its own equal fields replaced.

    Parameters
    ----------
    obj : object
        A dataclass (a context or a part of it).
    first : object
        The first setting's object of the same type.
    exclude : Sequence[str], default ()
        Fields never replaced.
    deep : Sequence[str], default ()
        Fields compared field by field when they differ.

    Returns
    -------
    dict[str, Any]
        Field -> the replacing value.
    """
    parts = {}
    for f in dataclasses.fields(obj):
        if f.name in exclude:
            continue
        mine, theirs = getattr(obj, f.name), getattr(first, f.name)
        if same_part(mine, theirs):
            parts[f.name] = theirs
        elif f.name in deep and dataclasses.is_dataclass(mine) and type(mine) is type(theirs):
            parts[f.name] = dataclasses.replace(mine, **shared_parts(mine, theirs))
    return parts


def same_part(a: Any, b: Any) -> bool:
    """Deep equality of context parts (numpy arrays by value, NaN equal to NaN).

    Parameters
    ----------
    a, b : object
        Context parts.

    Returns
    -------
    bool
        True if equal.
    """
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        return all(same_part(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, list | tuple) and type(a) is type(b):
        return len(a) == len(b) and all(same_part(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and type(a) is type(b):
        return a.keys() == b.keys() and all(same_part(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def run_study_batch(contexts: Sequence[StudyContext], item: tuple[int, Batch]) -> pd.DataFrame:
    """Executor task: one batch of one study; its summary rows.

    Parameters
    ----------
    contexts : Sequence[StudyContext]
        The settings' contexts.
    item : tuple[int, Batch]
        ``(setting index, batch)``.

    Returns
    -------
    pandas.DataFrame
        The batch's summary rows.
    """
    study, batch = item
    return run_batch_summary(contexts[study], batch)


def simulate_summaries(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    replications: Sequence[int],
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    seen_warnings: set[str] | None = None,
) -> list[pd.DataFrame]:
    """The summary table of every study (scenario ``i`` with ``seeds[i]`` and
    ``replications[i]``), in order; ``progress`` gets replications finished overall.
    Each distinct warning is shown once (once across calls sharing ``seen_warnings``).

    Parameters
    ----------
    scenarios : Sequence[Scenario]
        One scenario per study.
    seeds : Sequence[int]
        One seed per study.
    replications : Sequence[int]
        Replications per study.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).
    seen_warnings : set[str] or None, default None
        Warnings already shown (updated).

    Returns
    -------
    list[pandas.DataFrame]
        One summary table per study.
    """
    check_batch_size(batch_size)
    contexts = build_contexts(list(scenarios), seen_warnings)
    runner, owned = make_executor(executor)
    try:
        total = int(sum(replications))
        items = []
        for s, (seed, n) in enumerate(zip(seeds, replications, strict=True)):
            size = batch_size or min(n, default_batch_size(total, runner.n_workers))
            items += [(s, batch) for batch in plan_batches(seed, n, size)]
        parts: list[pd.DataFrame | None] = [None] * len(items)
        sizes = [batch.size for _, batch in items]
        work = execute(runner, run_study_batch, tuple(contexts), items, sizes, progress)
        with contextlib.closing(work):
            for i, summary in work:
                parts[i] = summary
    finally:
        if owned:
            runner.close()
    per_study: list[list[pd.DataFrame]] = [[] for _ in scenarios]
    for (s, _), part in zip(items, parts, strict=True):
        per_study[s].append(part)
    return [pd.concat(p, ignore_index=True) for p in per_study]
