class T:
    def test_x(self):
        s = """never ends
class U:
    def test_y(self): pass
