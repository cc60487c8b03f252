"""A stand-in, written for these tests, of the PyTorch helpers that shape
test names (FORMATS.md §2), so that the tree imports without torch:

- parametrize(arg_str, arg_values, name_fn=None): one case per value, named
  <name>_<str(value) with '.' as '_'> for int/float/str/bool values and
  <name><index> for others (as PyTorch 2 does; 1.13 wrote <name>_None); several names ("a,b") join their parts with
  '_'; stacked decorators put the upper one's part first;
- instantiate_parametrized_tests(cls): test_x becomes test_x_<case>;
- dtypes(*dtypes, device_type="all") and dtypesIf<DEVICE>: one test per
  dtype (a tuple of dtypes is one case, its names joined by '_');
- instantiate_device_type_tests(cls, scope, only_for=None, except_for=None):
  cls is replaced by <cls><DEVICE> classes whose tests are
  <method>[_<case>]_<device>[_<dtype>].
"""
import unittest

DEVICES = ("cpu", "cuda", "mps")


class TestCase(unittest.TestCase):
    pass


class _DType:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


class _Torch:
    pass


torch = _Torch()
for _n in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16",
           "bfloat16", "float32", "float64", "complex32", "complex64", "complex128"):
    setattr(torch, _n, _DType(_n))
for _a, _n in (("float", "float32"), ("double", "float64"), ("half", "float16"),
               ("long", "int64"), ("int", "int32"), ("short", "int16"),
               ("cfloat", "complex64"), ("cdouble", "complex128")):
    setattr(torch, _a, getattr(torch, _n))


def floating_types():
    return (torch.float32, torch.float64)


def _part(name, value, idx):
    if isinstance(value, (bool, int, float, str)):
        return "%s_%s" % (name, str(value).replace(".", "_"))
    return "%s%d" % (name, idx)


def parametrize(arg_str, arg_values, name_fn=None):
    names = [n.strip() for n in arg_str.split(",")]

    def mark(fn):
        mine = []
        for idx, value in enumerate(arg_values):
            values = tuple(value) if len(names) > 1 else (value,)
            if name_fn is not None:
                suffix = name_fn(*values)
            else:
                suffix = "_".join(_part(n, v, idx) for n, v in zip(names, values))
            mine.append((suffix, dict(zip(names, values))))
        old = getattr(fn, "_cases", None)
        if old is None:
            fn._cases = mine
        else:
            fn._cases = [(m + "_" + o, dict(ok, **mk)) for m, mk in mine for o, ok in old]
        return fn
    return mark


def instantiate_parametrized_tests(cls):
    for name, member in list(vars(cls).items()):
        cases = getattr(member, "_cases", None)
        if not name.startswith("test") or cases is None:
            continue
        for suffix, kwargs in cases:
            setattr(cls, "%s_%s" % (name, suffix), _bind(member, (), kwargs))
        delattr(cls, name)
    return cls


def dtypes(*args, device_type="all"):
    def mark(fn):
        d = dict(getattr(fn, "_dtypes", {}))
        d[device_type] = args
        fn._dtypes = d
        return fn
    return mark


def dtypesIfCPU(*args):
    return dtypes(*args, device_type="cpu")


def dtypesIfCUDA(*args):
    return dtypes(*args, device_type="cuda")


def _dtype_suffix(dt):
    if isinstance(dt, (tuple, list)):
        return "_".join(d.name for d in dt)
    return dt.name


def _bind(fn, args, kwargs):
    def test(self):
        return fn(self, *args, **kwargs)
    test.__name__ = fn.__name__
    return test


def instantiate_device_type_tests(generic_cls, scope, only_for=None, except_for=None):
    if isinstance(only_for, str):
        only_for = (only_for,)
    if isinstance(except_for, str):
        except_for = (except_for,)
    base = generic_cls.__name__
    for device in DEVICES:
        if only_for is not None and device not in only_for:
            continue
        if except_for is not None and device in except_for:
            continue
        attrs = {}
        for name, member in vars(generic_cls).items():
            if not name.startswith("test"):
                if not name.startswith("__"):
                    attrs[name] = member
                continue
            cases = getattr(member, "_cases", None) or [("", {})]
            table = getattr(member, "_dtypes", {})
            dts = table.get(device, table.get("all"))
            for suffix, kwargs in cases:
                stem = name + ("_" + suffix if suffix else "") + "_" + device
                if dts is None:
                    attrs[stem] = _bind(member, (device,), kwargs)
                    continue
                for dt in dts:
                    attrs[stem + "_" + _dtype_suffix(dt)] = _bind(member, (device, dt), kwargs)
        cls = type(base + device.upper(), generic_cls.__bases__, attrs)
        cls.__module__ = scope.get("__name__", cls.__module__)
        cls.__qualname__ = cls.__name__
        scope[cls.__name__] = cls
    del scope[base]
