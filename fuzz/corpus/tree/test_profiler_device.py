# Owner(s): ["oncall: profiler"]
# Device-generic tests: the classes below are replaced at import time by
# TestProfilerDeviceCPU, TestProfilerDeviceCUDA and TestProfilerCUDACUDA.
from unittest import TestCase, main

from _torch_shim import dtypes, instantiate_device_type_tests


class TestProfilerDevice(TestCase):
    def test_dynamic_toggle(self, device):
        self.assertTrue(True)

    def test_memory(self, device):
        self.assertTrue(True)

    @dtypes("float32", "int64")
    def test_ops(self, device, dtype):
        self.assertTrue(True)


instantiate_device_type_tests(
    TestProfilerDevice, globals(), only_for=("cpu", "cuda")
)


class TestProfilerCUDA(TestCase):
    def test_sync(self, device):
        self.assertTrue(True)

    def test_memory(self, device):
        self.assertTrue(True)


instantiate_device_type_tests(TestProfilerCUDA, globals(), only_for=("cuda",))


if __name__ == "__main__":
    main()
