"""Parameter declarations shared by generators, experiment kinds and config sections.

One :class:`ParamSpec` type describes a parameter everywhere it appears: a generator's keyword
(``smallworld generate -p``), an experiment kind's key (``[experiment]``), a config key of
``[graph]``, ``[sweep]`` or ``[output]``. A :class:`Rule` states a condition between several
parameters (``k`` even, ``sources >= 1`` when sampling, ``attrition`` and
``node_attrition_mean`` exclusive), checked on the default-filled parameters: by a generator on
every call, and by :mod:`simulate.config` for every cell of a sweep when a config loads.

Two conversions, with different strictness on purpose:

- :meth:`ParamSpec.validate` (Python API and command line): lenient numeric conversion (``2.0`` is
  a fine int), :class:`~simulate.errors.ParameterError` naming the parameter and its owner;
- :meth:`ParamSpec.coerce` (TOML values): exact types (an integer key refuses ``2.0``), raising
  :class:`InvalidValue` with a reason that :mod:`simulate.config` places at file, line and key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import ParameterError
from .registry import did_you_mean


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED = _Required()
"""Marker for a parameter without a default."""

#: Value types beyond the scalars ``int``, ``float``, ``bool``, ``str`` (named as in docs).
COMPOUND_TYPES = ("str_list", "int_list", "int_or_int_list", "any")


class InvalidValue(Exception):
    """A TOML value a :class:`ParamSpec` refuses; the message is the reason (no location)."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its type, default, allowed values and documentation.

    Attributes
    ----------
    name : str
    type : type or str
        ``int``, ``float``, ``bool``, ``str``, or one of :data:`COMPOUND_TYPES` (``"str_list"``,
        ``"int_list"``, ``"int_or_int_list"``, ``"any"``: any TOML value, checked by a rule or
        the callee).
    default : object
        Default value, :data:`REQUIRED`, or None (optional, absent by default).
    low, high : number or None
        Inclusive bounds for numbers (for int lists: for each element; None: unbounded).
    choices : tuple or None
        Allowed values.
    doc : str
        One line for docs, ``--help`` and ``--list``.
    objects_ok : bool
        Also accept non-scalar Python objects (a DataFrame of positions...) from the API.
    """

    name: str
    type: object
    default: object = REQUIRED
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    doc: str = ""
    objects_ok: bool = False

    def __post_init__(self):
        if self.type not in (int, float, bool, str) and self.type not in COMPOUND_TYPES:
            raise TypeError(f"ParamSpec {self.name!r}: unsupported type {self.type!r}")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def type_name(self) -> str:
        """``"int"``, ``"float"``, ``"bool"``, ``"str"`` or the compound type's name."""
        return self.type if isinstance(self.type, str) else self.type.__name__

    def allowed(self) -> str:
        """Human description of the allowed values, used in error messages and --list."""
        t = self.type_name
        if self.choices is not None:
            s = f"one of {', '.join(map(str, self.choices))}"
        elif self.type in (int, float) and (self.low is not None or self.high is not None):
            lo = "-inf" if self.low is None else format_number(self.low)
            hi = "inf" if self.high is None else format_number(self.high)
            s = f"{t} in [{lo}, {hi}]"
        else:
            s = t
        if self.default is None:
            s += " or none"
        return s

    # ------------------------------------------------------------------ API / command line
    def validate(self, value, owner):
        """Return ``value`` converted to the parameter's type; ParameterError if not allowed.

        ``owner`` names what the parameter belongs to in messages (a model, a kind).
        """
        where = f"parameter {self.name!r} of {owner}"
        if value is None:
            if self.default is None:
                return None
            raise ParameterError(f"{where} must be {self.allowed()}, got none")
        if isinstance(self.type, str):
            try:
                return self.coerce(value)
            except InvalidValue as e:
                raise ParameterError(f"{where}: {e}") from None
        if self.objects_ok and not isinstance(value, (str, bool, int, float, np.generic)):
            return value
        t = self.type
        if t is bool:
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise ParameterError(f"{where} must be true or false, got {value!r}")
        if t is int:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
            if isinstance(value, (float, np.floating)):
                if not math.isfinite(value) or not float(value).is_integer():
                    raise ParameterError(f"{where} must be {self.allowed()} (an integer), got {value!r}")
            value = int(value)
        elif t is float:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
            value = float(value)
            if math.isnan(value):
                raise ParameterError(f"{where} must be {self.allowed()}, got nan")
        elif t is str:
            if not isinstance(value, str):
                raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ParameterError(f"{where} must be {self.allowed()}, got {value!r}")
        return value

    def parse(self, text: str, owner):
        """Convert command-line text to the parameter's type (then :meth:`validate`)."""
        s = text.strip()
        where = f"parameter {self.name!r} of {owner}"
        if s.lower() in ("none", "null") and self.default is None:
            return None
        try:
            if self.type is bool:
                low = s.lower()
                if low in ("true", "yes", "1", "on"):
                    return True
                if low in ("false", "no", "0", "off"):
                    return False
                raise ValueError
            if self.type is int:
                f = float(s)
                if not f.is_integer():
                    raise ValueError
                return self.validate(int(s) if s.lstrip("+-").isdigit() else int(f), owner)
            if self.type is float:
                return self.validate(float(s), owner)
        except (ValueError, OverflowError):
            raise ParameterError(f"{where} must be {self.allowed()}, got {text!r}") from None
        return self.validate(s, owner)

    # ------------------------------------------------------------------ TOML values
    def coerce(self, value):
        """A TOML ``value`` converted to this type and checked; :class:`InvalidValue` with a reason."""
        t = self.type_name
        if t == "int":
            if not _is_int(value):
                raise InvalidValue(f"expected an integer, got {type_word(value)} {show(value)}")
            self._check_range(value)
        elif t == "float":
            if not (_is_int(value) or isinstance(value, float)):
                raise InvalidValue(f"expected a number, got {type_word(value)} {show(value)}")
            value = float(value)
            self._check_range(value)
        elif t == "bool":
            if not isinstance(value, bool):
                raise InvalidValue(f"expected true or false, got {type_word(value)} {show(value)}")
        elif t == "str":
            if not isinstance(value, str):
                raise InvalidValue(f"expected a string, got {type_word(value)} {show(value)}")
        elif t in ("str_list", "int_list"):
            want = str if t == "str_list" else int
            if not isinstance(value, list) or not all(
                    isinstance(x, want) and not isinstance(x, bool) for x in value):
                word = "strings" if want is str else "integers"
                raise InvalidValue(f"expected an array of {word}, got {type_word(value)} {show(value)}")
            if want is int:
                for x in value:
                    self._check_range(x)
            value = list(value)
        elif t == "int_or_int_list":
            if _is_int(value):
                self._check_range(value)
            elif isinstance(value, list) and all(_is_int(x) for x in value):
                if not value:
                    raise InvalidValue("needs at least one node id")
                for x in value:
                    self._check_range(x)
                value = list(value)
            else:
                raise InvalidValue(f"expected an integer or an array of integers, got {type_word(value)} {show(value)}")
        if self.choices is not None and not isinstance(value, list) and value not in self.choices:
            shown = ", ".join(show(c) for c in self.choices)
            hint = did_you_mean(value, self.choices) if isinstance(value, str) else ""
            raise InvalidValue(f"must be one of {shown} (got {show(value)}){hint}")
        return value

    def _check_range(self, v):
        if isinstance(v, float) and math.isnan(v):
            raise InvalidValue("must be a number, not nan")
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not (lo <= v <= hi):
            raise InvalidValue(f"must be between {_num(lo)} and {_num(hi)} (got {show(v)})")
        if lo is not None and v < lo:
            raise InvalidValue(f"must be >= {_num(lo)} (got {show(v)})")
        if hi is not None and v > hi:
            raise InvalidValue(f"must be <= {_num(hi)} (got {show(v)})")


@dataclass(frozen=True)
class Rule:
    """A condition between parameters, checked on the default-filled parameter dict.

    Attributes
    ----------
    keys : tuple of str
        The parameters involved; the first is the one an error is reported at (config line).
    text : str
        The rule as a sentence, for docs and messages ("k must be even").
    holds : callable
        ``holds(params) -> bool`` on the resolved parameters (every key present, defaults filled).
    message : callable, optional
        ``message(params) -> str``: the whole API error message where it says more than the
        text (a bound computed from the other parameters); configs always show the text.
    """

    keys: tuple
    text: str
    holds: Callable[[dict], bool]
    message: Callable[[dict], str] | None = None

    def __post_init__(self):
        if isinstance(self.keys, str):
            object.__setattr__(self, "keys", (self.keys,))

    @property
    def key(self) -> str:
        """The parameter an error is reported at."""
        return self.keys[0]

    def broken(self, params: dict) -> str | None:
        """None when the rule holds for ``params``, else the message (rule and the values involved)."""
        if self.holds(params):
            return None
        got = ", ".join(f"{k} = {show(params.get(k))}" for k in self.keys)
        return f"{self.text} (got {got})"


def check_rules(rules, params: dict, owner) -> None:
    """Raise ParameterError ``"<owner>: <rule> (got ...)"`` for the first rule ``params`` break."""
    for rule in rules:
        message = rule.broken(params)
        if message is not None:
            raise ParameterError(rule.message(params) if rule.message else f"{owner}: {message}")


def format_number(x) -> str:
    """A bound as messages and docs show it: ``1`` for ``1.0``, ``1e-06``, ``2147483647``."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _num(x):
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 1e15 else x


def show(v) -> str:
    """A value as messages show it (TOML words for booleans, at most 60 characters)."""
    if isinstance(v, str):
        s = repr(v)
    elif isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, dict):
        s = "a table"
    else:
        s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def type_word(v) -> str:
    """The TOML word for a value's type ("integer", "array", "table"...)."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "table"
    return type(v).__name__


def is_power_of_two(x) -> bool:
    return isinstance(x, int) and x > 0 and x & (x - 1) == 0
