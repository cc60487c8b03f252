# Loading this file puts its folder on sys.path (pytest's prepend import
# mode), so the test files of every subfolder import _pt_stub.
