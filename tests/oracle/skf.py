"""SKF exchange format shared with tests/common/testutil.c (sk_test_write_skf / read_skf).

Layout: b"SKF1", int32 width, height, channels (little-endian), then float32 samples,
channel-major with rows contiguous. Arrays here are (channels, height, width) float32.
"""
import struct

import numpy as np


def write(path, arr):
    a = np.asarray(arr, dtype="<f4")
    if a.ndim == 2:
        a = a[None]
    c, h, w = a.shape
    with open(path, "wb") as f:
        f.write(b"SKF1")
        f.write(struct.pack("<3i", w, h, c))
        f.write(np.ascontiguousarray(a).tobytes())


def read(path):
    with open(path, "rb") as f:
        if f.read(4) != b"SKF1":
            raise ValueError(f"{path}: not an SKF file")
        w, h, c = struct.unpack("<3i", f.read(12))
        data = np.frombuffer(f.read(), dtype="<f4")
    if data.size != w * h * c:
        raise ValueError(f"{path}: truncated")
    return data.reshape(c, h, w)
