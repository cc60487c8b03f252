# Owner(s): ["oncall: profiler"]
# Parametrized tests: test_size becomes test_size_n_1, test_size_n_2 and
# test_size_n_10 (the first is a prefix of the last).
from unittest import TestCase, main

from _torch_shim import instantiate_parametrized_tests, parametrize


@instantiate_parametrized_tests
class TestParam(TestCase):
    @parametrize("n", [1, 2, 10])
    def test_size(self, n):
        self.assertTrue(n > 0)

    def test_plain(self):
        self.assertTrue(True)


if __name__ == "__main__":
    main()
