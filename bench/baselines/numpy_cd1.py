"""REFERENCE §1's CD-1 step in float32 NumPy, the plain way: one line per formula.

Trains on MNIST and prints one JSON line per epoch: {"epoch", "seconds", "kl"}.
Usage: python3 numpy_cd1.py IMAGES_IDX --hidden 64 --epochs 2 --batch-size 1000 [--rows N]
"""
import argparse
import json
import time

import numpy as np


def read_idx_images(path):
    with open(path, "rb") as f:
        data = f.read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, rows * cols)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("images")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--rows", type=int, default=60000)
    args = p.parse_args()

    x = (read_idx_images(args.images)[: args.rows] / 255).astype(np.float32)
    n, v = x.shape
    h = args.hidden
    lr, m = np.float32(1e-4), np.float32(0.95)
    rng = np.random.default_rng(0)
    a = np.sqrt(6 / (v + h))
    w = rng.uniform(-a, a, (v, h)).astype(np.float32)
    b, c = np.zeros(v, np.float32), np.zeros(h, np.float32)
    dw, db, dc = np.zeros_like(w), np.zeros_like(b), np.zeros_like(c)

    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        kls = []
        for batch in np.array_split(x[rng.permutation(n)], n // args.batch_size):
            rows = len(batch)
            h0 = (sigmoid(batch @ w + c) > rng.random((rows, h), np.float32)).astype(np.float32)
            v1 = (sigmoid(h0 @ w.T + b) > rng.random((rows, v), np.float32)).astype(np.float32)
            h1 = (sigmoid(v1 @ w + c) > rng.random((rows, h), np.float32)).astype(np.float32)
            dw = m * dw + (1 - m) * lr * (batch.T @ h0 - v1.T @ h1)
            db = m * db + (1 - m) * lr * (batch - v1).mean(axis=0)
            dc = m * dc + (1 - m) * lr * (h0 - h1).mean(axis=0)
            w += dw
            b += db
            c += dc
            act = h0 @ w.T + b
            logp = (batch * act - np.logaddexp(0, act)).sum(axis=1)
            kls.append((-np.log(rows) - logp.mean()) / v)
        seconds = time.perf_counter() - start
        print(json.dumps({"epoch": epoch, "seconds": seconds, "kl": float(np.mean(kls))}), flush=True)


if __name__ == "__main__":
    main()
