# Device-generic classes: parameters before the device, dtypes after it
# (test/t_exact.sh).
from _pt_stub import (TestCase, dtypes, dtypesIfCUDA, instantiate_device_type_tests,
                      parametrize, torch)


class TestDev(TestCase):
    def test_x(self, device):
        pass

    @parametrize("flag", [True, False])
    def test_y(self, device, flag):
        pass

    @dtypes(torch.float32, torch.int64)
    def test_z(self, device, dtype):
        pass

    @dtypes(torch.float, torch.double)
    @dtypesIfCUDA(torch.half)
    def test_w(self, device, dtype):
        pass

    @parametrize("k", [1, 2])
    @dtypes(torch.float32)
    def test_pd(self, device, dtype, k):
        pass

    @dtypes((torch.float32, torch.int64), (torch.long, torch.cfloat))
    def test_multi(self, device, dtypes):
        pass


instantiate_device_type_tests(
    TestDev,
    globals(),
    except_for=("mps",),
)


class TestSyncCUDA(TestCase):
    def test_sync(self, device):
        pass


instantiate_device_type_tests(TestSyncCUDA, globals(), only_for="cuda")


class TestEveryDevice(TestCase):
    def test_all(self, device):
        pass


instantiate_device_type_tests(TestEveryDevice, globals())
