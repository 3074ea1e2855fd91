"""The only place that builds random generators.

A study seed becomes a :class:`numpy.random.SeedSequence`; replication ``k`` gets
child ``k`` of that sequence, and each purpose inside a replication (hazard
sampling, repair durations, ...) gets its own grandchild, so that

* replication ``k`` is reproducible alone, in any order and on any worker;
* adding draws for one purpose never shifts the draws of another (common random
  numbers across variants of a study).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Purpose = Literal["hazards", "repairs", "threats", "cascades", "power", "roads"]
# Appended, never reordered: child i of a spawn does not depend on how many are spawned,
# so adding a purpose leaves the others' generators unchanged.
_PURPOSES: tuple[Purpose, ...] = ("hazards", "repairs", "threats", "cascades", "power", "roads")


def replication_seeds(seed: int, n_replications: int) -> list[np.random.SeedSequence]:
    """Return one independent :class:`SeedSequence` per replication of a study.

    Parameters
    ----------
    seed : int
        The study seed (non-negative).
    n_replications : int
        How many replications.

    Returns
    -------
    list[numpy.random.SeedSequence]
        ``n_replications`` children of ``SeedSequence(seed)``, replication ``i`` at index
        ``i``.
    """
    return np.random.SeedSequence(seed).spawn(n_replications)


def replication_rngs(seed_seq: np.random.SeedSequence) -> dict[Purpose, np.random.Generator]:
    """Return one generator per purpose for the replication seeded by ``seed_seq``.

    The children are derived from ``seed_seq.entropy`` and ``spawn_key`` (not by
    calling ``spawn`` on it), so calling this twice gives identical generators.

    Parameters
    ----------
    seed_seq : numpy.random.SeedSequence
        The replication's seed (one of :func:`replication_seeds`).

    Returns
    -------
    dict[Purpose, numpy.random.Generator]
        One generator per purpose (:data:`PURPOSES`), independent of each other.
    """
    children = np.random.SeedSequence(
        seed_seq.entropy, spawn_key=seed_seq.spawn_key, pool_size=seed_seq.pool_size
    ).spawn(len(_PURPOSES))
    return {
        p: np.random.Generator(np.random.PCG64(s)) for p, s in zip(_PURPOSES, children, strict=True)
    }


def named_rngs(seed: int, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """One generator per name for work outside replications (catalogue sources, bootstrap
    resamples, sensitivity designs): child ``i`` of ``SeedSequence(seed)`` for ``names[i]``.

    Appending a name never changes the generators of the names before it.

    Parameters
    ----------
    seed : int
        The seed of the work.
    names : tuple[str, ...]
        The purposes, in a fixed order (new names go at the end).

    Returns
    -------
    dict[str, numpy.random.Generator]
        ``names[i]`` -> the generator of child ``i``.

    Examples
    --------
    >>> a = named_rngs(3, ("x",))["x"].random()
    >>> a == named_rngs(3, ("x", "y"))["x"].random()
    True
    """
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {
        n: np.random.Generator(np.random.PCG64(s)) for n, s in zip(names, children, strict=True)
    }


def keyed_rng(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    """The generator of ``SeedSequence(seed)``'s descendant at ``key`` (``(i,)`` is child
    ``i``, ``(i, j)`` grandchild ``j`` of it): for sources numbered within kinds, so
    adding a source of one kind never changes the draws of another.

    Parameters
    ----------
    seed : int
        The seed of the work.
    key : tuple[int, ...]
        The descendant's path from the root (non-negative child numbers).

    Returns
    -------
    numpy.random.Generator
        The generator of that descendant.

    Examples
    --------
    >>> a = keyed_rng(5, (1,)).random()
    >>> a == named_rngs(5, ("x", "y"))["y"].random()
    True
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
