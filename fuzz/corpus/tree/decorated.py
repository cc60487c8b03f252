@torch.testing._internal.common_utils.instantiate_parametrized_tests
class TestA(TestCase):
    def test_a(self):
        x = ("""\
""", r'\'', b"x", f'''{1}''')
        y = [1,
2]
    def test_b(self): pass  # comment "class X:"
class TestB(TestA): \
    pass
instantiate_parametrized_tests(TestA)
def instantiate_device_type_tests(x): pass
