"""Portfolio optimisation: which set of investments, within a budget, buys the most
avoided outage a year (or the most net benefit), on common random numbers.

Experiments layer. The candidates are a scenario's variants (each with capex, opex and
lifetime). A portfolio is a set of them built together
(:func:`resilience_sim.scenario.variant_build.build_portfolio`); it is evaluated on an
event set (a stochastic catalogue, or one scenario at its economics'
``event_frequency_per_year``) with every event's own seeds, the same for every
portfolio, so differences between portfolios are paired (common random numbers).

For portfolio ``P`` with loss matrix ``L_P`` (events x replications):

* expected annual unserved user-hours ``EAU(P) = sum_e f_e mean_r L_P[e, r]``;
* benefit ``B(P) = EAU({}) - EAU(P)`` with its standard error from the paired
  differences ``D = L_{} - L_P``: over simulated years for a catalogue (the year-loss
  table of ``D``, ``sd(year means) / sqrt(Y)``), else ``sqrt(sum_e f_e^2 var(D_e) / R)``;
* annual cost ``C(P) = sum_{i in P} (capex_i CRF(r, life_i) + opex_i)`` (exactly additive);
* net benefit ``value_per_user_h_usd B(P) / 1e6 - C(P)``, million USD a year;
* the equity figure ``W(P) = sum_e f_e mean_r`` of the worst region's outage hours
  (``max_region_outage_h``): lower is fairer to the worst-served region.

**Methods.** ``enumerate`` evaluates all ``2^n`` portfolios: the optimum within the
budget and the Pareto front (cost vs benefit, and cost vs benefit vs equity) are exact
up to Monte Carlo error. ``milp`` (for many candidates) evaluates the empty portfolio,
each candidate alone and, with ``interaction_pairs``, every pair; it then assumes
**additive benefits**, ``B(P) ≈ sum_{i in P} B({i})``, and solves the 0-1 knapsack
``max sum b_i x_i  s.t.  sum capex_i x_i <= budget`` with ``scipy.optimize.milp``
(HiGHS). The assumption is wrong when investments overlap (two backups of the same
cable) or complement each other (a cable that only helps once the landing station has
batteries); the **interaction** ``B({i, j}) - B({i}) - B({j})`` of every evaluated pair
(or, when enumerating, of every portfolio: ``B(P) - sum B({i})``) measures it. The
portfolios the MILP picks (at the budget, and at a ladder of budgets for the front) are
then simulated and reported with their actual benefit next to the additive one.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

from resilience_sim.errors import InputError
from resilience_sim.experiments.annual_risk import year_loss_table
from resilience_sim.experiments.compare import annual_cost_musd
from resilience_sim.experiments.event_set import (
    EventSet,
    EventSetSpec,
    EventSpec,
    event_set_from_spec,
    load_event_set,
)
from resilience_sim.experiments.executors import Executor, ExecutorName
from resilience_sim.experiments.multi_study import simulate_summaries
from resilience_sim.experiments.results import write_tables_folder
from resilience_sim.scenario import Scenario, load_scenario
from resilience_sim.scenario.common import Strict
from resilience_sim.scenario.variant_build import build_portfolio
from resilience_sim.validation import read_document, validate_document

EQUITY_METRIC = "max_region_outage_h"
PORTFOLIO_FILES = ("portfolios.csv", "portfolios.parquet", "interactions.csv", "summary.parquet")


class PortfolioSpec(Strict):
    """A portfolio file (docs/decisions.md)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    event_set: str | None = Field(None, description="event-set file, relative to this file")
    catalogue: str | None = Field(None, description="or a catalogue file, generated in memory")
    scenario: str | None = Field(
        None, description="or one scenario, at its economics.event_frequency_per_year"
    )
    candidates: list[str] | None = Field(
        None, description="variant names of the base scenario (all variants if absent)"
    )
    budget_musd: Annotated[float, Field(ge=0.0)] | None = Field(
        None, description="budget, million USD (of capex, or of annual cost)"
    )
    budget_of: Literal["capex", "annual_cost"] = Field("capex", description="what the budget caps")
    objective: Literal["min_unserved", "max_net_benefit"] = Field(
        "min_unserved",
        description="least expected annual unserved user-hours, or most net benefit "
        "(needs economics.value_per_user_h_usd)",
    )
    method: Literal["auto", "enumerate", "milp"] = Field(
        "auto", description="auto: enumerate up to max_enumerate candidates, else milp"
    )
    max_enumerate: Annotated[int, Field(ge=1, le=16)] = Field(
        8, description="largest candidate count enumerated by `auto` (2^n portfolios)"
    )
    interaction_pairs: bool = Field(True, description="milp: evaluate every pair too")
    replications: Annotated[int, Field(ge=1)] | None = Field(
        None, description="per event (default each event's scenario's)"
    )
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = Field(0.9)

    @model_validator(mode="after")
    def _one_source(self) -> PortfolioSpec:
        given = [x for x in (self.event_set, self.catalogue, self.scenario) if x is not None]
        if len(given) != 1:
            raise ValueError("event_set: give exactly one of `event_set`, `catalogue`, `scenario`")
        return self


@dataclass(frozen=True)
class PortfolioProblem:
    """A loaded portfolio file: its events and the candidates' costs."""

    spec: PortfolioSpec
    event_set: EventSet
    candidates: tuple[str, ...]
    capex_musd: np.ndarray
    annual_cost_musd: np.ndarray
    value_per_user_h_usd: float | None
    source: Path | None = None


def load_portfolio(path: str | Path) -> PortfolioProblem:
    """Read a portfolio file and its event set (or catalogue, or scenario).

    Parameters
    ----------
    path : str or Path
        The portfolio file.

    Returns
    -------
    PortfolioProblem
        The portfolio problem.
    """
    from resilience_sim.experiments.catalogue import build_catalogue
    from resilience_sim.experiments.catalogue.build import event_set_document

    path = Path(path)
    file = str(path)
    spec = validate_document(PortfolioSpec, read_document(path), file)
    target = (path.parent / (spec.event_set or spec.catalogue or spec.scenario)).resolve()
    field = "event_set" if spec.event_set else "catalogue" if spec.catalogue else "scenario"
    if not target.is_file():
        raise InputError.single(file, field, f"file does not exist (looked for {target})")
    if spec.event_set:
        event_set = load_event_set(target)
    elif spec.catalogue:
        document = event_set_document(build_catalogue(target), target)
        event_spec = validate_document(EventSetSpec, document, str(target))
        event_set = event_set_from_spec(event_spec, target.parent, str(target), target)
    else:
        scenario = load_scenario(target)
        f = scenario.spec.economics.event_frequency_per_year
        event_set = EventSet(
            spec=EventSetSpec(
                name=scenario.name,
                events=[EventSpec(scenario=str(target), annual_frequency=f)],
            ),
            scenarios=(scenario,),
            source=target,
        )
    base = event_set.scenarios[0].spec
    names = tuple(spec.candidates if spec.candidates is not None else base.variants)
    unknown = [n for n in names if n not in base.variants]
    if unknown or not names:
        known = ", ".join(base.variants) or "none"
        raise InputError.single(
            file, "candidates", f"no variant {unknown[0] if unknown else ''!r} (variants: {known})"
        )
    economics = base.economics
    if spec.objective == "max_net_benefit" and economics.value_per_user_h_usd is None:
        raise InputError.single(
            file, "objective", "max_net_benefit needs economics.value_per_user_h_usd"
        )
    variants = [base.variants[n] for n in names]
    return PortfolioProblem(
        spec=spec,
        event_set=event_set,
        candidates=names,
        capex_musd=np.array([v.capex_musd for v in variants]),
        annual_cost_musd=np.array([annual_cost_musd(v, economics) for v in variants]),
        value_per_user_h_usd=economics.value_per_user_h_usd,
        source=path.resolve(),
    )


# ---------------------------------------------------------------- numbers


def annual_mean_se(
    losses: np.ndarray,
    frequencies: np.ndarray,
    years: np.ndarray | None,
    n_years: int | None,
) -> tuple[float, float]:
    """``(sum_e f_e mean_r x[e, r], its standard error)`` of an events x replications
    matrix: over simulated years for a catalogue (``years``, ``n_years``), else from the
    per-event variances (independent events).

    Parameters
    ----------
    losses : numpy.ndarray
        ``(n_events, R)`` losses.
    frequencies : numpy.ndarray
        ``(n_events,)`` annual frequencies.
    years : numpy.ndarray or None
        ``(n_events,)`` year of each event of a catalogue (None: not a catalogue).
    n_years : int or None
        The catalogue's years (None: not a catalogue).

    Returns
    -------
    tuple[float, float]
        ``(mean, standard error)``.

    Examples
    --------
    >>> annual_mean_se(np.array([[2.0, 4.0]]), np.array([0.5]), None, None)
    (1.5, 0.5)
    """
    mean = float(np.sum(frequencies * losses.mean(axis=1)))
    if years is not None:
        aggregate, _ = year_loss_table(losses, years, n_years)
        year_means = aggregate.mean(axis=1)
        se = float(year_means.std(ddof=1) / math.sqrt(n_years)) if n_years > 1 else math.nan
        return mean, se
    n = losses.shape[1]
    var = losses.var(axis=1, ddof=1) / n if n > 1 else np.zeros(len(losses))
    return mean, float(math.sqrt(np.sum(frequencies**2 * var)))


def pareto_mask(cost: np.ndarray, *benefits: np.ndarray) -> np.ndarray:
    """Portfolios not dominated: no other costs no more and is at least as good in every
    ``benefits`` array (higher is better), strictly better in one.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(n,)`` costs.
    *benefits : numpy.ndarray
        ``(n,)`` benefits each (higher is better).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool.

    Examples
    --------
    >>> pareto_mask(np.array([0.0, 1.0, 2.0, 2.0]), np.array([0.0, 5.0, 4.0, 6.0])).tolist()
    [True, True, False, True]
    """
    goods = np.column_stack([-cost, *benefits])
    keep = np.ones(len(cost), dtype=bool)
    for i in range(len(cost)):
        at_least = np.all(goods >= goods[i], axis=1)
        better = np.any(goods > goods[i], axis=1)
        keep[i] = not np.any(at_least & better)
    return keep


def knapsack_milp(value: np.ndarray, weight: np.ndarray, budget: float) -> np.ndarray:
    """0-1 choice maximising ``sum value_i x_i`` with ``sum weight_i x_i <= budget``
    (``scipy.optimize.milp``, HiGHS); items of value <= 0 are never chosen.

    Parameters
    ----------
    value : numpy.ndarray
        ``(n,)`` values.
    weight : numpy.ndarray
        ``(n,)`` weights.
    budget : float
        The weight budget.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool choice.

    Examples
    --------
    >>> knapsack_milp(np.array([10.0, 4.0, 6.0]), np.array([5.0, 3.0, 4.0]), 8.0).tolist()
    [True, True, False]
    """
    n = len(value)
    upper = (value > 0).astype(float)  # a useless or harmful item is never worth its cost
    result = milp(
        c=-np.asarray(value, dtype=float),
        constraints=LinearConstraint(np.asarray(weight, dtype=float)[None, :], -np.inf, budget),
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), upper),
    )
    if result.x is None:  # cannot happen with x = 0 feasible; guard anyway
        return np.zeros(n, dtype=bool)
    return np.round(result.x).astype(bool)


# ---------------------------------------------------------------- evaluation


def portfolio_events(problem: PortfolioProblem, members: tuple[str, ...]) -> list[Scenario]:
    """Every event's scenario with the portfolio built in: the variant is built once on the
    first event of each base scenario and its topology and recovery reused for the rest
    (events differ only in hazards and seed).

    Parameters
    ----------
    problem : PortfolioProblem
        The portfolio problem.
    members : tuple[str, ...]
        The variants of the portfolio.

    Returns
    -------
    list[Scenario]
        One scenario per event.
    """
    built: dict[int, Scenario] = {}
    out = []
    for scenario in problem.event_set.scenarios:
        key = id(scenario.topology)
        if key not in built:
            built[key] = build_portfolio(scenario, list(members))
        combo = built[key]
        spec = combo.spec.model_copy(
            update={"hazards": scenario.spec.hazards, "seed": scenario.spec.seed}
        )
        out.append(Scenario(spec, combo.topology, scenario.source, scenario.topology_source))
    return out


@dataclass
class Evaluation:
    """Loss and equity matrices (events x replications) of the evaluated portfolios."""

    losses: dict[tuple[str, ...], np.ndarray]
    equity: dict[tuple[str, ...], np.ndarray]
    summaries: list[pd.DataFrame]


def evaluate_portfolios(
    problem: PortfolioProblem,
    portfolios: list[tuple[str, ...]],
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Simulate every portfolio on every event with the events' seeds (common random
    numbers across portfolios).

    Parameters
    ----------
    problem : PortfolioProblem
        The portfolio problem.
    portfolios : list[tuple[str, ...]]
        Member tuples.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).

    Returns
    -------
    Evaluation
        The per-portfolio losses.
    """
    event_set = problem.event_set
    metric = event_set.spec.metric
    n = problem.spec.replications
    seeds = [s.spec.seed for s in event_set.scenarios]
    reps = [n or s.spec.replications for s in event_set.scenarios]
    if len(set(reps)) != 1:
        raise InputError.single(
            str(problem.source), "replications", "give one number of replications per event"
        )
    built = [portfolio_events(problem, m) for m in portfolios]  # conflicts before any run
    losses, equity, summaries, done, seen = {}, {}, [], 0, set()
    for members, scenarios in zip(portfolios, built, strict=True):
        tables = simulate_summaries(
            scenarios,
            seeds,
            reps,
            executor=executor,
            batch_size=batch_size,
            progress=None if progress is None else (lambda k, d=done: progress(d + k)),
            seen_warnings=seen,
        )
        done += sum(reps)
        losses[members] = np.vstack([t[metric].to_numpy(dtype=float) for t in tables])
        equity[members] = np.vstack([t[EQUITY_METRIC].to_numpy(dtype=float) for t in tables])
        label = "+".join(members) or "baseline"
        summaries += [t.assign(portfolio=label, event=e) for e, t in enumerate(tables)]
    return Evaluation(losses, equity, summaries)


@dataclass
class PortfolioResult:
    """Every evaluated portfolio (one row each), the interactions, the choice."""

    problem: PortfolioProblem
    method: Literal["enumerate", "milp"]
    table: pd.DataFrame
    interactions: pd.DataFrame
    chosen: tuple[str, ...]
    summary: pd.DataFrame
    wall_time_s: float


def portfolio_table(problem: PortfolioProblem, evaluation: Evaluation) -> pd.DataFrame:
    """One row per evaluated portfolio: members, costs, EAU, benefit and net benefit with
    intervals, the equity figure, additive benefit and interaction.

    Parameters
    ----------
    problem : PortfolioProblem
        The portfolio problem.
    evaluation : Evaluation
        The evaluated portfolios.

    Returns
    -------
    pandas.DataFrame
        The table.
    """
    event_set = problem.event_set
    freq = event_set.frequencies
    catalogue = event_set.spec.catalogue_years
    years = np.array([e.year for e in event_set.spec.events]) if catalogue else None
    z = float(norm.ppf((1.0 + problem.spec.confidence) / 2.0))
    base = evaluation.losses[()]
    index = {name: i for i, name in enumerate(problem.candidates)}
    rows = []
    for members, loss in evaluation.losses.items():
        eau, eau_se = annual_mean_se(loss, freq, years, catalogue)
        benefit, se = annual_mean_se(base - loss, freq, years, catalogue)
        equity, _ = annual_mean_se(evaluation.equity[members], freq, years, catalogue)
        picked = [index[m] for m in members]
        rows.append(
            {
                "portfolio": "+".join(members) or "(none)",
                "n_investments": len(members),
                "capex_musd": float(problem.capex_musd[picked].sum()),
                "annual_cost_musd": float(problem.annual_cost_musd[picked].sum()),
                "expected_annual_user_h": eau,
                "expected_annual_user_h_se": eau_se,
                "benefit_user_h_per_year": benefit,
                "benefit_se": se,
                "benefit_low": benefit - z * se,
                "benefit_high": benefit + z * se,
                "worst_region_outage_h_per_year": equity,
            }
        )
    table = pd.DataFrame(rows)
    singles = {
        m[0]: b
        for m, b in zip(evaluation.losses, table.benefit_user_h_per_year, strict=True)
        if len(m) == 1
    }
    table["additive_benefit_user_h_per_year"] = [
        sum(singles.get(m, math.nan) for m in members) if members else 0.0
        for members in evaluation.losses
    ]
    table["interaction_user_h_per_year"] = (
        table.benefit_user_h_per_year - table.additive_benefit_user_h_per_year
    )
    value = problem.value_per_user_h_usd
    if value is not None:  # million USD a year; additive like the benefit and the cost
        for suffix, benefit in (
            ("", table.benefit_user_h_per_year),
            ("_low", table.benefit_low),
            ("_high", table.benefit_high),
        ):
            table[f"net_benefit_musd_per_year{suffix}"] = (
                value * benefit / 1e6 - table.annual_cost_musd
            )
    return table


def _score(table: pd.DataFrame, objective: str) -> np.ndarray:
    if objective == "max_net_benefit":
        return table.net_benefit_musd_per_year.to_numpy()
    return table.benefit_user_h_per_year.to_numpy()


def optimise_portfolio(
    problem: PortfolioProblem,
    *,
    executor: Executor | ExecutorName | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> PortfolioResult:
    """Evaluate, choose within the budget, mark the Pareto fronts (module docstring).

    Parameters
    ----------
    problem : PortfolioProblem
        The portfolio problem.
    executor : Executor or ExecutorName or None, default None
        An executor object or name (``sequential``, ``local``, ``dask``); see
        ``make_executor``.
    batch_size : int or None, default None
        Replications per batch (None: ``default_batch_size``).
    progress : Callable[[int], None] or None, default None
        Called with the number of replications finished so far (None: nothing).

    Returns
    -------
    PortfolioResult
        The portfolios, the choice and the fronts.
    """
    started = time.perf_counter()
    spec = problem.spec
    n = len(problem.candidates)
    method = spec.method
    if method == "auto":
        method = "enumerate" if n <= spec.max_enumerate else "milp"
    names = problem.candidates
    per_portfolio = sum(
        spec.replications or s.spec.replications for s in problem.event_set.scenarios
    )
    evaluated = [0]  # portfolios run so far, so progress keeps counting across calls

    def run(portfolios: list[tuple[str, ...]]) -> Evaluation:
        offset = evaluated[0] * per_portfolio
        evaluated[0] += len(portfolios)
        return evaluate_portfolios(
            problem,
            portfolios,
            executor=executor,
            batch_size=batch_size,
            progress=None if progress is None else (lambda k: progress(offset + k)),
        )

    weight = problem.capex_musd if spec.budget_of == "capex" else problem.annual_cost_musd
    budget = math.inf if spec.budget_musd is None else spec.budget_musd
    if method == "enumerate":
        portfolios = [c for k in range(n + 1) for c in itertools.combinations(names, k)]
        evaluation = run(portfolios)
    else:
        first = [(), *((m,) for m in names)]
        if spec.interaction_pairs:
            first += list(itertools.combinations(names, 2))
        evaluation = run(first)
        table = portfolio_table(problem, evaluation)
        single = table[table.n_investments == 1].set_index("portfolio")
        value = _score(single, spec.objective)
        cap = float(weight.sum()) if math.isinf(budget) else budget
        ladder = sorted({*np.linspace(0.0, float(weight.sum()), 9), cap})
        picks = []
        for level in ladder:
            x = knapsack_milp(np.asarray(value, dtype=float), weight, level)
            picks.append(tuple(m for m, on in zip(names, x, strict=True) if on))
        extra = [p for p in dict.fromkeys(picks) if p not in evaluation.losses]
        if extra:
            more = run(extra)
            evaluation.losses.update(more.losses)
            evaluation.equity.update(more.equity)
            evaluation.summaries += more.summaries
    table = portfolio_table(problem, evaluation)
    index = {m: i for i, m in enumerate(names)}
    members = list(evaluation.losses)
    table["budget_weight_musd"] = [float(weight[[index[m] for m in p]].sum()) for p in members]
    table["within_budget"] = table.budget_weight_musd <= budget + 1e-9
    cost = table.annual_cost_musd.to_numpy()
    benefit = table.benefit_user_h_per_year.to_numpy()
    table["pareto"] = pareto_mask(cost, benefit)
    table["pareto_with_equity"] = pareto_mask(
        cost, benefit, -table.worst_region_outage_h_per_year.to_numpy()
    )
    score = np.where(table.within_budget, _score(table, spec.objective), -np.inf)
    best = int(np.argmax(score))  # ties: the first (fewest investments, then file order)
    table["chosen"] = np.arange(len(table)) == best
    interactions = table[table.n_investments >= 2][
        [
            "portfolio",
            "benefit_user_h_per_year",
            "additive_benefit_user_h_per_year",
            "interaction_user_h_per_year",
            "benefit_se",
        ]
    ].reset_index(drop=True)
    return PortfolioResult(
        problem=problem,
        method=method,
        table=table,
        interactions=interactions,
        chosen=members[best],
        summary=pd.concat(evaluation.summaries, ignore_index=True),
        wall_time_s=time.perf_counter() - started,
    )


def write_portfolio(result: PortfolioResult, results_dir: str | Path) -> Path:
    """Write the portfolio tables and ``manifest.json`` (kind ``portfolio``) to a new
    folder (atomically).

    Parameters
    ----------
    result : PortfolioResult
        The portfolio result.
    results_dir : str or Path
        The folder the new results folder goes in.

    Returns
    -------
    Path
        The new folder.
    """
    problem = result.problem
    spec = problem.spec
    tables = dict(
        zip(
            PORTFOLIO_FILES,
            (result.table, result.table, result.interactions, result.summary),
            strict=True,
        )
    )
    manifest = {
        "kind": "portfolio",
        "name": spec.name,
        "event_set": problem.event_set.spec.name,
        "metric": problem.event_set.spec.metric,
        "candidates": list(problem.candidates),
        "method": result.method,
        "objective": spec.objective,
        "budget_musd": spec.budget_musd,
        "budget_of": spec.budget_of,
        "confidence": spec.confidence,
        "chosen": list(result.chosen),
        "value_per_user_h_usd": problem.value_per_user_h_usd,
        "n_events": len(problem.event_set.scenarios),
        "wall_time_s": round(result.wall_time_s, 3),
    }
    return write_tables_folder(
        results_dir, f"{spec.name} portfolio", tables, manifest, problem.source
    )
