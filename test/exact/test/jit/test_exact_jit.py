# A class name defined in two files, and a class named like a device-generic
# one's runtime class (test/t_exact.sh).
from _pt_stub import TestCase


class TestPlain(TestCase):
    def test_kineto(self):
        pass

    def test_other(self):
        pass


class TestDevCPUExtra(TestCase):
    def test_x_cpu(self):
        pass
