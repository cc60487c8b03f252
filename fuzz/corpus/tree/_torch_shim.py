"""Tiny stand-ins for the PyTorch test helpers the sample tree imitates.

Only what shapes the collected names matters here: how device-generic
classes become per-device classes, and how dtypes and parametrize expand
method names.  No torch is needed.
"""
import unittest

DEVICES = ("cpu", "cuda")


def dtypes(*names):
    """Mark a device-generic test to run once per dtype (test_x_<device>_<dtype>)."""
    def mark(fn):
        fn._shim_dtypes = tuple(names)
        return fn
    return mark


def parametrize(name, values):
    """Mark a test to run once per value (test_x_<name>_<value>)."""
    def mark(fn):
        fn._shim_params = (name, tuple(values))
        return fn
    return mark


def _bind(fn, *args):
    def test(self):
        return fn(self, *args)
    test.__name__ = fn.__name__
    test.__doc__ = fn.__doc__
    return test


def instantiate_device_type_tests(generic_cls, scope, only_for=None, except_for=None):
    """Replace generic_cls in scope by <Base><DEVICE> classes, one per device."""
    base = generic_cls.__name__
    for device in DEVICES:
        if only_for is not None and device not in only_for:
            continue
        if except_for is not None and device in except_for:
            continue
        attrs = {}
        for name, member in vars(generic_cls).items():
            if not name.startswith("test_"):
                if not name.startswith("__"):
                    attrs[name] = member
                continue
            variants = getattr(member, "_shim_dtypes", None)
            if variants:
                for dtype in variants:
                    attrs["%s_%s_%s" % (name, device, dtype)] = _bind(member, device, dtype)
            else:
                attrs["%s_%s" % (name, device)] = _bind(member, device)
        cls = type(base + device.upper(), (unittest.TestCase,), attrs)
        cls.__module__ = scope.get("__name__", cls.__module__)
        cls.__qualname__ = cls.__name__
        scope[cls.__name__] = cls
    del scope[base]


def instantiate_parametrized_tests(cls):
    """Class decorator: expand @parametrize methods into one method per value."""
    for name, member in list(vars(cls).items()):
        params = getattr(member, "_shim_params", None)
        if not name.startswith("test_") or params is None:
            continue
        pname, values = params
        for value in values:
            setattr(cls, "%s_%s_%s" % (name, pname, value), _bind(member, value))
        delattr(cls, name)
    return cls
