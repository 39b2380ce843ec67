import pytest

from simulate.errors import ParameterError
from simulate.registry import Registry, did_you_mean


class Entry:
    def __init__(self, module):
        self.__module__ = module


def test_lookup_and_order():
    reg = Registry("routing policy")
    a, b = Entry("m1"), Entry("m1")
    reg.register("greedy", a)
    reg.register("random_walk", b)
    assert reg.get("greedy") is a
    assert reg.names() == ("greedy", "random_walk")
    assert "greedy" in reg and "x" not in reg and len(reg) == 2


def test_unknown_name_suggests_and_lists():
    reg = Registry("routing policy")
    reg.register("greedy_lattice", Entry("m"))
    with pytest.raises(ParameterError, match=r"unknown routing policy 'greedy_latice'; did you mean "
                                             r"'greedy_lattice'\? \(known: greedy_lattice\)"):
        reg.get("greedy_latice")


def test_same_name_from_two_modules_is_rejected():
    reg = Registry("experiment kind")
    reg.register("chains", Entry("simulate.chains"))
    reg.register("chains", Entry("simulate.chains"))  # a reload of the same module is fine
    with pytest.raises(TypeError, match="declared twice: in simulate.chains and in experiments.chains"):
        reg.register("chains", Entry("experiments.chains"))


def test_did_you_mean():
    assert did_you_mean("sid", ["side", "r"]) == "; did you mean 'side'?"
    assert did_you_mean("zzz", ["side", "r"]) == ""
