"""`resilience-sim compare`: run a scenario's variants against its baseline, ranked."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from resilience_sim.cli.common import (
    number,
    out,
    output_errors,
    progress_bar,
    report_option,
    reports_input_errors,
    results_folder_option,
)
from resilience_sim.cli.executor_options import build_executor, executor_options
from resilience_sim.experiments.compare import Comparison, compare, write_comparison
from resilience_sim.reports import write_comparison_report
from resilience_sim.scenario import load_scenario


@click.command("compare")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replications", "-n", type=click.IntRange(min=1), help="override the scenario's")
@click.option("--seed", type=click.IntRange(min=0), help="override the scenario's study seed")
@click.option(
    "--variant",
    "variants",
    multiple=True,
    help="compare only this variant (repeat for several; default: all)",
)
@click.option(
    "--value-per-user-h",
    type=click.FloatRange(min=0.0),
    help="value of one user-hour of connectivity, USD (overrides economics.value_per_user_h_usd)",
)
@click.option(
    "--confidence",
    type=click.FloatRange(min=0.5, max=0.999),
    default=0.95,
    show_default=True,
    help="level of the paired-difference confidence intervals",
)
@executor_options
@results_folder_option
@report_option
@reports_input_errors
def compare_command(
    scenario: Path,
    replications: int | None,
    seed: int | None,
    variants: tuple[str, ...],
    value_per_user_h: float | None,
    confidence: float,
    out_dir: Path,
    report: bool,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    batch_size: int | None,
) -> None:
    """Run SCENARIO's baseline and variants on common random numbers; rank them.

    Writes comparison.parquet/.csv, every variant's summary and report.html
    (unless --no-report) to a new folder under --out.
    """
    loaded = load_scenario(scenario)
    n = replications or loaded.spec.replications
    n_variants = len(variants) if variants else len(loaded.spec.variants)
    with (
        build_executor(executor, scheduler, workers) as runner,
        progress_bar(n * (1 + n_variants)) as advance,
    ):
        comparison = compare(
            loaded,
            replications=n,
            seed=seed,
            variants=list(variants) or None,
            value_per_user_h_usd=value_per_user_h,
            confidence=confidence,
            executor=runner,
            batch_size=batch_size,
            progress=advance,
        )
    with output_errors(out_dir):
        run_dir = write_comparison(comparison, out_dir)
    print_comparison(comparison)
    out.print(
        f"{comparison.replications} replications x {len(comparison.table)} variants in "
        f"{comparison.wall_time_s:.2f} s; results in {run_dir}"
    )
    if report:
        out.print(f"report: {write_comparison_report(run_dir)}")


def print_comparison(comparison: Comparison) -> None:
    """The ranked table of a comparison, on the terminal.

    Benefit metric (mean, 90 % interval, paired difference with its confidence interval),
    resilience loss, time to 90 % recovery, annual cost, cost per avoided user-hour and
    benefit-cost ratio.

    Parameters
    ----------
    comparison : Comparison
        The variants against the baseline, ranked.
    """
    economics = comparison.economics
    metric = economics.benefit_metric
    level = f"{comparison.confidence:.0%}"
    table = Table(
        box=box.SIMPLE_HEAD,
        title=(
            f"{comparison.scenario.name}: {comparison.replications} replications, seed "
            f"{comparison.seed}, common random numbers; ranked by mean {metric}"
        ),
        caption=(
            f"user-h: {metric}; p5-p95: 90 % interval across replications; difference: "
            f"paired, {level} t-interval; MUSD/yr: capex annualised at "
            f"{economics.discount_rate:.1%} plus opex; events per year: "
            f"{economics.event_frequency_per_year:g}"
            + ("" if economics.value_per_user_h_usd is not None else "; B/C: --value-per-user-h")
        ),
    )
    for name in ("#", "variant", "user-h", "p5-p95", f"diff [{level} CI]", "loss h", "t90 h"):
        table.add_column(name, justify="left" if name == "variant" else "right", no_wrap=True)
    for name in ("MUSD/yr", "USD/avoided user-h", "B/C"):
        table.add_column(name, justify="right")
    for r in comparison.table.to_dict("records"):
        baseline = r["variant"] == "baseline"
        gain = r["avoided_user_h_per_event"] > 0
        table.add_row(
            str(r["rank"]),
            r["variant"],
            compact(r[f"{metric}_mean"]),
            f"{compact(r[f'{metric}_p5'])}-{compact(r[f'{metric}_p95'])}",
            "—"
            if baseline
            else f"{compact(r[f'{metric}_diff'])} [{compact(r[f'{metric}_diff_low'])},"
            f"{compact(r[f'{metric}_diff_high'])}]",
            number(r["resilience_loss_h_mean"]),
            number(r["t_restore_90_h_mean"]),
            number(r["annual_cost_musd"]),
            "—" if baseline else (number(r["cost_per_avoided_user_h_usd"]) if gain else "no gain"),
            "—" if baseline else number(r["benefit_cost_ratio"]),
        )
    out.print(table)


def compact(value: float) -> str:
    """3 significant digits with a k/M/G suffix: 4,534,660 -> 4.53M.

    Parameters
    ----------
    value : float
        The figure.

    Returns
    -------
    str
        The compact form (``"NaN"`` for NaN).

    Examples
    --------
    >>> compact(4534660.0), compact(-168015.0), compact(0.0), compact(12.5)
    ('4.53M', '-168k', '0', '12.5')
    """
    if value != value:  # NaN
        return "NaN"
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"
