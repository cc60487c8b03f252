# Plain and parametrized classes, helpers, a test class through a class of
# the tree (test/t_exact.sh).
import unittest

from _pt_stub import TestCase, instantiate_parametrized_tests, parametrize


class Helper:
    def test_helper(self):
        pass


class Mixin(object):
    def test_mixin(self):
        pass


class Base(TestCase):
    def helper(self):
        return 1


class TestPlain(TestCase):
    def test_kineto(self):
        pass

    def test_kineto_profiler_api(self):
        pass

    def test_x_cpu(self):
        pass

    def test_bitwise_ops_cuda_int32(self):
        pass

    def test_script(self):
        script = """
class TestNotReal(TestCase):
    def test_inside_a_string(self):
        pass
"""
        self.assertIn("TestNotReal", script)


class TestChild(Base):
    def test_child(self):
        pass


class TestPlainer(unittest.TestCase):
    def test_kineto(self):
        pass


@instantiate_parametrized_tests
class TestParam(TestCase):
    @parametrize("n", [1, 2, 10])
    def test_size(self, n):
        pass

    @parametrize("mode", ["fast", 'slow'])
    @parametrize("flag", [True, False])
    def test_stack(self, mode, flag):
        pass

    @parametrize("x,y", [(1, 0.5), (-2, "z")])
    def test_pair(self, x, y):
        pass

    @parametrize("v", [0.125, 2.25])
    def test_float(self, v):
        pass

    @parametrize("n", [])
    def test_empty(self, n):
        pass

    def test_plain(self):
        pass
