"""Compare investment variants with the baseline on common random numbers.

Experiments layer (... -> engine -> metrics -> experiments -> reports -> cli).
The baseline (the scenario as written) and every variant are run with the same
study seed, hence the same replication seeds: replication k of every variant sees
the same hazard draws (and, as long as the repair jobs are created in the same
order, the same repair durations). Differences to the baseline are therefore paired
per replication, and their confidence interval is a paired t-interval, much tighter
than comparing two independent means.

Economics (docs/experiments.md, "Variants and comparison"): annual cost = capex x
capital recovery factor + opex; avoided user-hours per year = avoided per event x
event frequency; cost per avoided user-hour = annual cost / avoided per year;
benefit-cost ratio = value per user-hour x avoided per year / annual cost.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from resilience_sim.engine import baseline_population
from resilience_sim.errors import InputError, InputWarning, rewarn_once
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.runfolder import (
    build_manifest,
    input_record,
    run_stem,
    utc_now,
    write_folder,
    write_manifest,
    write_snapshots,
)
from resilience_sim.experiments.study import simulate, study_arguments
from resilience_sim.scenario import Scenario
from resilience_sim.scenario.variant_build import BASELINE, build_variant, check_variants
from resilience_sim.scenario.variants import Economics, Variant
from resilience_sim.topology import compile_topology

# The metrics compared, each with its mean, 90 % interval and paired difference.
COMPARED_METRICS = (
    "unserved_user_h_domestic",
    "unserved_user_h_international",
    "resilience_loss_h",
    "t_restore_90_h",
)
COMPARISON_FILES = (
    "comparison.parquet",
    "comparison.csv",
    "summary.parquet",
    "summary.csv",
    "scenario.json",
    "topology.json",
)


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    """Share of a capital cost paid each year to repay it over its life with interest.

    ``r (1 + r)^n / ((1 + r)^n - 1)``; ``1 / n`` when ``r = 0``.

    Parameters
    ----------
    discount_rate : float
        Annual discount rate, e.g. 0.05.
    lifetime_years : float
        Lifetime, years.

    Returns
    -------
    float
        The factor, per year.

    Examples
    --------
    >>> round(capital_recovery_factor(0.05, 20), 6)
    0.080243
    >>> capital_recovery_factor(0.0, 4)
    0.25
    """
    r, n = float(discount_rate), float(lifetime_years)
    if r == 0.0:
        return 1.0 / n
    growth = (1.0 + r) ** n
    return r * growth / (growth - 1.0)


def annual_cost_musd(variant: Variant, economics: Economics) -> float:
    """Annualised cost of a variant, million USD per year: capex x CRF + opex.

    Parameters
    ----------
    variant : Variant
        The variant.
    economics : Economics
        The scenario's economics.

    Returns
    -------
    float
        Million USD per year.
    """
    lifetime = variant.lifetime_years or economics.lifetime_years
    crf = capital_recovery_factor(economics.discount_rate, lifetime)
    return variant.capex_musd * crf + variant.opex_musd_per_year


@dataclass(frozen=True)
class PairedDifference:
    """Mean of paired differences with a two-sided t confidence interval.

    ``n`` is the number of pairs with both values finite; the bounds are NaN below 2.
    """

    mean: float
    low: float
    high: float
    n: int


_RELATIVE_NOISE = 1e-9


def paired_difference(
    values: np.ndarray, baseline: np.ndarray, confidence: float = 0.95
) -> PairedDifference:
    """Mean of ``values - baseline`` over pairs where both are finite, with a t-interval.

    ``mean +- t_{(1+confidence)/2, n-1} * sd / sqrt(n)`` with the sample standard
    deviation ``sd`` of the differences.

    Parameters
    ----------
    values : numpy.ndarray
        Per-replication values of a variant.
    baseline : numpy.ndarray
        The baseline's values, same replications.
    confidence : float, default 0.95
        Confidence level of the intervals, 0..1.

    Returns
    -------
    PairedDifference
        Mean, interval and count of finite pairs.

    Examples
    --------
    >>> d = paired_difference(np.array([3.0, 5.0, 7.0]), np.array([1.0, 2.0, 3.0]))
    >>> d.mean, d.n, round(d.high - d.mean, 4)  # t_0.975,2 = 4.3027, sd = 1
    (3.0, 3, 2.4841)
    """
    values = np.asarray(values, dtype=float)
    baseline = np.asarray(baseline, dtype=float)
    diff = values - baseline
    # Integrals summed over different timeline rows differ in the last bits even when
    # the outage is identical: such rounding noise is no difference at all.
    scale = np.maximum(np.abs(values), np.abs(baseline))
    diff = np.where(np.abs(diff) <= _RELATIVE_NOISE * scale, 0.0, diff)
    diff = diff[np.isfinite(diff)]
    n = len(diff)
    if n == 0:
        return PairedDifference(float("nan"), float("nan"), float("nan"), 0)
    mean = float(diff.mean())
    if n < 2:
        return PairedDifference(mean, float("nan"), float("nan"), n)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * diff.std(ddof=1) / np.sqrt(n)
    return PairedDifference(mean, float(mean - half), float(mean + half), n)


@dataclass
class Comparison:
    """Baseline and variants of one scenario on common random numbers.

    ``table``: one row per variant (``baseline`` included), ranked (see
    :func:`comparison_table`); ``summary``: the per-replication summary of every
    variant, with a ``variant`` column; ``operator_summary``: the same per operator when
    the scenario declares operators (docs/operators.md), else empty.
    """

    scenario: Scenario
    seed: int
    replications: int
    confidence: float
    economics: Economics
    table: pd.DataFrame
    summary: pd.DataFrame
    wall_time_s: float
    operator_summary: pd.DataFrame = field(default_factory=pd.DataFrame)


def compare(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    variants: Sequence[str] | None = None,
    *,
    value_per_user_h_usd: float | None = None,
    confidence: float = 0.95,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Comparison:
    """Run the baseline and ``variants`` (all the scenario's by default) on the same seeds.

    ``value_per_user_h_usd`` overrides ``economics.value_per_user_h_usd`` of the
    scenario; ``confidence`` is the level of the paired-difference intervals;
    ``executor`` and ``batch_size`` are passed to :func:`~resilience_sim.experiments.simulate`
    (give an executor object to start a pool or cluster once for every variant);
    ``progress`` gets the number of replications finished over all variants.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    replications : int or None, default None
        Replications to run (None: the scenario's).
    seed : int or None, default None
        The study seed (None: the scenario's).
    variants : Sequence[str] or None, default None
        Variant names (None: all).
    value_per_user_h_usd : float or None, default None
        USD per user-hour (None: the scenario's).
    confidence : float, default 0.95
        Confidence level of the intervals, 0..1.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).

    Returns
    -------
    Comparison
        The ranked comparison and every variant's summary.
    """
    study_arguments(scenario, replications, seed)  # InputError for bad API arguments
    spec = scenario.spec
    file = str(scenario.source or "<scenario>")
    if not 0.0 < confidence < 1.0:
        raise InputError.single("<api>", "confidence", f"must be in (0, 1), got {confidence!r}")
    check_variants(spec, scenario.topology, file)
    names = list(spec.variants) if variants is None else list(dict.fromkeys(variants))
    if not names:
        raise InputError.single(file, "variants", "the scenario declares no variants to compare")
    for name in names:
        if name not in spec.variants:
            known = ", ".join(spec.variants) or "none"
            raise InputError.single(file, "variants", f"no variant {name!r} (variants: {known})")
    economics = spec.economics
    if value_per_user_h_usd is not None:
        economics = Economics.model_validate(
            economics.model_dump() | {"value_per_user_h_usd": value_per_user_h_usd}
        )
    n = spec.replications if replications is None else replications
    seed = spec.seed if seed is None else seed
    started = time.perf_counter()
    summaries, operator_summaries = [], []
    seen_warnings: set[str] = set()
    baseline_served: np.ndarray | None = None
    for i, name in enumerate([BASELINE, *names]):
        variant_scenario = scenario if name == BASELINE else build_variant(scenario, name)
        done = i * n
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = simulate(
                variant_scenario,
                replications=n,
                seed=seed,
                progress=None if progress is None else (lambda k, d=done: progress(d + k)),
                executor=executor,
                batch_size=batch_size,
            )
        rewarn_once(caught, seen_warnings, "" if name == BASELINE else f"[{name}] ")
        served = _undamaged_served(variant_scenario)
        if baseline_served is None:
            baseline_served = served
        elif not np.allclose(served, baseline_served):
            warnings.warn(
                f"{file}: variants.{name}: the undamaged network serves {served[0]:,.0f} users "
                f"domestically and {served[1]:,.0f} internationally (baseline "
                f"{baseline_served[0]:,.0f} and {baseline_served[1]:,.0f}); unserved "
                "user-hours count against each network's own undamaged service, so this "
                "comparison is not like for like",
                InputWarning,
                stacklevel=2,
            )
        summaries.append(result.summary.assign(variant=name))
        if spec.operators:
            operator_summaries.append(result.operator_summary.assign(variant=name))
    summary = _variant_first(summaries)
    table = comparison_table(summary, spec.variants, economics, confidence)
    return Comparison(
        scenario=scenario,
        seed=seed,
        replications=n,
        confidence=confidence,
        economics=economics,
        table=table,
        summary=summary,
        wall_time_s=time.perf_counter() - started,
        operator_summary=_variant_first(operator_summaries),
    )


def _variant_first(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames stacked with the ``variant`` column first (empty when there are none)."""
    if not frames:
        return pd.DataFrame()
    stacked = pd.concat(frames, ignore_index=True)
    return stacked[["variant", *[c for c in stacked.columns if c != "variant"]]]


def comparison_table(
    summary: pd.DataFrame,
    variants: dict[str, Variant],
    economics: Economics,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per variant (``baseline`` first in ``summary``), ranked by the mean of
    ``economics.benefit_metric`` (lowest first; ties by annual cost).

    Columns per compared metric ``m``: ``m_mean``, ``m_p5``, ``m_p95`` (the 90 %
    interval across replications), ``m_diff`` with ``m_diff_low``/``m_diff_high`` (the
    paired difference to the baseline and its interval) and ``m_n`` (finite pairs).
    Then costs, avoided user-hours, cost per avoided user-hour and benefit-cost ratio.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-replication summaries of every variant (``variant`` column).
    variants : dict[str, Variant]
        The variants by name.
    economics : Economics
        The scenario's economics.
    confidence : float, default 0.95
        Confidence level of the intervals, 0..1.

    Returns
    -------
    pandas.DataFrame
        The ranked table.
    """
    by_variant = {
        name: group.sort_values("replication")
        for name, group in summary.groupby("variant", sort=False)
    }
    base = by_variant[BASELINE]
    rows = []
    for name, group in by_variant.items():
        if not np.array_equal(group.replication.to_numpy(), base.replication.to_numpy()):
            raise ValueError(f"variant {name!r} has other replications than the baseline")
        variant = variants.get(name, Variant())
        row: dict[str, object] = {
            "variant": name,
            "description": variant.description if name != BASELINE else "the scenario as written",
            "capex_musd": variant.capex_musd,
            "opex_musd_per_year": variant.opex_musd_per_year,
            "lifetime_years": variant.lifetime_years or economics.lifetime_years,
            "annual_cost_musd": annual_cost_musd(variant, economics),
        }
        for metric in COMPARED_METRICS:
            values = group[metric].to_numpy(dtype=float)
            finite = values[np.isfinite(values)]
            p5, p95 = np.percentile(finite, [5, 95]) if len(finite) else (np.nan, np.nan)
            diff = paired_difference(values, base[metric].to_numpy(dtype=float), confidence)
            row |= {
                f"{metric}_mean": float(finite.mean()) if len(finite) else np.nan,
                f"{metric}_p5": float(p5),
                f"{metric}_p95": float(p95),
                f"{metric}_diff": diff.mean,
                f"{metric}_diff_low": diff.low,
                f"{metric}_diff_high": diff.high,
                f"{metric}_n": diff.n,
            }
        row |= _economics(row, economics, is_baseline=name == BASELINE)
        rows.append(row)
    table = pd.DataFrame(rows)
    order = np.lexsort(
        (table.annual_cost_musd.to_numpy(), table[f"{economics.benefit_metric}_mean"].to_numpy())
    )
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _economics(row: dict, economics: Economics, is_baseline: bool) -> dict[str, float]:
    """Avoided user-hours, cost per avoided user-hour and benefit-cost ratio of one row.

    Intervals come from the paired-difference interval of the benefit metric (both are
    monotone in it); they are NaN when that interval does not exclude zero.
    """
    metric = economics.benefit_metric
    avoided = 0.0 - np.array(
        [row[f"{metric}_diff"], row[f"{metric}_diff_high"], row[f"{metric}_diff_low"]]
    )  # mean, low, high: a lower unserved figure is an avoided one
    per_year = avoided * economics.event_frequency_per_year
    cost_usd = row["annual_cost_musd"] * 1e6
    nan = float("nan")
    out = {
        "avoided_user_h_per_event": avoided[0],
        "avoided_user_h_per_event_low": avoided[1],
        "avoided_user_h_per_event_high": avoided[2],
        "avoided_user_h_per_year": per_year[0],
        "cost_per_avoided_user_h_usd": nan,
        "cost_per_avoided_user_h_usd_low": nan,
        "cost_per_avoided_user_h_usd_high": nan,
        "benefit_usd_per_year": nan,
        "benefit_cost_ratio": nan,
        "benefit_cost_ratio_low": nan,
        "benefit_cost_ratio_high": nan,
    }
    if is_baseline:
        return out
    ci_positive = bool(per_year[1] > 0)
    if per_year[0] > 0:
        out["cost_per_avoided_user_h_usd"] = cost_usd / per_year[0]
        if ci_positive:
            out["cost_per_avoided_user_h_usd_low"] = cost_usd / per_year[2]
            out["cost_per_avoided_user_h_usd_high"] = cost_usd / per_year[1]
    value = economics.value_per_user_h_usd
    if value is not None:
        benefit = value * per_year
        out["benefit_usd_per_year"] = benefit[0]
        if cost_usd > 0:
            out["benefit_cost_ratio"] = benefit[0] / cost_usd
            if ci_positive:
                out["benefit_cost_ratio_low"] = benefit[1] / cost_usd
                out["benefit_cost_ratio_high"] = benefit[2] / cost_usd
    return out


def _undamaged_served(scenario: Scenario) -> np.ndarray:
    """Users served (domestic, international) by the undamaged network."""
    served = baseline_population(compile_topology(scenario.topology))
    return np.array([served.domestic[0], served.international[0]])


def write_comparison(comparison: Comparison, results_dir: str | Path) -> Path:
    """Write a comparison to a new run folder under ``results_dir`` and return its path.

    Files: ``comparison.parquet``/``.csv`` (the ranked table), ``summary.parquet``/``.csv``
    (every variant's per-replication summary), ``scenario.json``/``topology.json``
    (the baseline's inputs) and ``manifest.json``; written atomically like a run folder.

    Parameters
    ----------
    comparison : Comparison
        The comparison.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    created = utc_now()
    scenario = comparison.scenario
    stem = run_stem(f"{scenario.name} compare", created)

    def fill(folder: Path) -> None:
        comparison.table.to_parquet(folder / "comparison.parquet", index=False)
        comparison.table.to_csv(folder / "comparison.csv", index=False)
        comparison.summary.to_parquet(folder / "summary.parquet", index=False)
        comparison.summary.to_csv(folder / "summary.csv", index=False)
        files = list(COMPARISON_FILES)
        if not comparison.operator_summary.empty:
            comparison.operator_summary.to_parquet(folder / "operator_summary.parquet", index=False)
            comparison.operator_summary.to_csv(folder / "operator_summary.csv", index=False)
            files += ["operator_summary.parquet", "operator_summary.csv"]
        snapshots = write_snapshots(folder, scenario)
        fields = {
            **input_record(scenario),
            "seed": comparison.seed,
            "replications": comparison.replications,
            "variants": list(comparison.table.variant),
            "confidence": comparison.confidence,
            "economics": comparison.economics.model_dump(),
            "wall_time_s": round(comparison.wall_time_s, 3),
        }
        manifest = build_manifest("comparison", created, fields, files, snapshots=snapshots)
        write_manifest(folder, manifest)

    return write_folder(results_dir, stem, fill)
