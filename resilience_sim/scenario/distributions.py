"""Duration distributions for scenario files (all values in hours)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Fixed(_Dist):
    """Always ``value_h`` hours."""

    dist: Literal["fixed"]
    value_h: NonNegative

    def sample(self, rng: np.random.Generator) -> float:
        """The fixed duration, hours (no draw).

        Parameters
        ----------
        rng : numpy.random.Generator
            Unused.

        Returns
        -------
        float
            ``value_h``.
        """
        return float(self.value_h)

    @property
    def median_h(self) -> float:
        """The median duration, hours: ``value_h``."""
        return float(self.value_h)


class Lognormal(_Dist):
    """Lognormal with median ``median_h`` hours and log-standard deviation ``sigma``."""

    dist: Literal["lognormal"]
    median_h: Positive
    sigma: Annotated[float, Field(ge=0.0, le=5.0)]

    def sample(self, rng: np.random.Generator) -> float:
        """One duration, hours.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.

        Returns
        -------
        float
            ``median_h * exp(sigma * Z)``, Z standard normal.
        """
        return float(self.median_h * np.exp(self.sigma * rng.standard_normal()))


class Exponential(_Dist):
    """Exponential with mean ``mean_h`` hours."""

    dist: Literal["exponential"]
    mean_h: Positive

    def sample(self, rng: np.random.Generator) -> float:
        """One duration, hours.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.

        Returns
        -------
        float
            An exponential draw of mean ``mean_h``.
        """
        return float(rng.exponential(self.mean_h))

    @property
    def median_h(self) -> float:
        """The median duration, hours: ``mean_h * ln 2``."""
        return float(self.mean_h * np.log(2.0))


class Uniform(_Dist):
    """Uniform between ``low_h`` and ``high_h`` hours."""

    dist: Literal["uniform"]
    low_h: NonNegative
    high_h: NonNegative

    def sample(self, rng: np.random.Generator) -> float:
        """One duration, hours.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.

        Returns
        -------
        float
            A uniform draw in [``low_h``, ``high_h``].
        """
        return float(rng.uniform(self.low_h, self.high_h))

    @property
    def median_h(self) -> float:
        """The median duration, hours: the midpoint."""
        return 0.5 * (self.low_h + self.high_h)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_h < self.low_h:
            raise ValueError("high_h: must be >= low_h")
        return self


Duration = Annotated[Fixed | Lognormal | Exponential | Uniform, Field(discriminator="dist")]
DISTRIBUTION_TAGS = frozenset({"fixed", "lognormal", "exponential", "uniform"})
