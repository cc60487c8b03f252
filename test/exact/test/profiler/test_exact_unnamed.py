# Cases the tree scan cannot name (values that are not literal): reported as
# such, never printed as a base name or a guessed suffix (test/t_exact.sh).
from _pt_stub import (TestCase, dtypes, floating_types, instantiate_device_type_tests,
                      instantiate_parametrized_tests, parametrize)

SIZES = [1, 2]


@instantiate_parametrized_tests
class TestUnnamed(TestCase):
    @parametrize("n", SIZES)
    def test_var(self, n):
        pass

    @parametrize("n", range(2))
    def test_range(self, n):
        pass

    @parametrize("n", [1, 2], name_fn=lambda n: "case%d" % n)
    def test_fn(self, n):
        pass

    @parametrize("f", [1e3])
    def test_exp(self, f):
        pass

    @parametrize("v", [None, 1])
    def test_none(self, v):
        pass


class TestUnnamedDev(TestCase):
    @dtypes(*floating_types())
    def test_float(self, device, dtype):
        pass


instantiate_device_type_tests(TestUnnamedDev, globals(), only_for=("cpu",))
