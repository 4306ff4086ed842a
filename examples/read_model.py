"""Reads a webgpu-rbm model file with NumPy alone (the safetensors layout, no library needed).

Usage: python3 examples/read_model.py model.safetensors
"""
import json
import struct
import sys

import numpy as np


def read_model(path):
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    arrays = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        arrays[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
    info = {key: json.loads(value) for key, value in metadata.items() if key not in ("format", "version")}
    return arrays, info


if __name__ == "__main__":
    arrays, info = read_model(sys.argv[1])
    for name, array in arrays.items():
        print(name, array.shape, array.dtype)
    print("config:", info["config"])
    print("epochs trained:", len(info["history"]["epoch"]))
