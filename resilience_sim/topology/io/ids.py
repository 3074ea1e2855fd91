"""Unique ids for imported nodes and links (names in real data repeat)."""

from __future__ import annotations


def unique_ids(bases: list[str], sep: str = "-", taken: set[str] | None = None) -> list[str]:
    """Keep the first use of each base; later uses get ``<base><sep>2``, ``<sep>3``...

    ``taken`` holds ids that must not be produced (default: the bases themselves);
    it is extended with every suffixed id made.

    Parameters
    ----------
    bases : list[str]
        The wanted ids.
    sep : str, default '-'
        Put between a base and its number.
    taken : set[str] or None, default None
        Ids not to produce (None: the bases); extended in place.

    Returns
    -------
    list[str]
        Unique ids, one per base.

    Examples
    --------
    >>> unique_ids(["a", "b", "a", "a"])
    ['a', 'b', 'a-2', 'a-3']
    """
    taken = set(bases) if taken is None else taken
    seen: set[str] = set()
    out: list[str] = []
    for base in bases:
        if base not in seen:
            seen.add(base)
            out.append(base)
            continue
        n = 2
        while f"{base}{sep}{n}" in taken:
            n += 1
        out.append(f"{base}{sep}{n}")
        taken.add(out[-1])
    return out
