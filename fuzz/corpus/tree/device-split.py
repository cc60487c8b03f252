import torch
from torch.testing._internal.common_device_type import dtypes, instantiate_device_type_tests, ops

class TestProfilerCUDA(TestCase):
    @dtypes(torch.float32, torch.int64)
    def test_ops(self, device, dtype):
        pass

    @ops(op_db)
    def test_op(self, device, dtype, op):
        pass

    async def test_async(self, device):
        script = """
class SimpleNet(nn.Module):
    def forward(self, x):
        return x
def payload():
    pass
"""

    def test_after_script(self, device):
        pass

instantiate_device_type_tests(
    TestProfilerCUDA,
    globals(),
    only_for=("cuda",),
)
instantiate_device_type_tests(TestOther, globals(), except_for=["cpu", 'xpu'])

@instantiate_parametrized_tests
class TestOther(TestCase):
    @parametrize("x", [1, 2])
    def test_p(self, x):
        pass
    def helper(self):
        pass
	def test_tab(self):
		pass
