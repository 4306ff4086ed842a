"""scikit-learn's BernoulliRBM on MNIST: one JSON line per epoch, {"epoch", "seconds"}.

Each epoch is one call of fit with n_iter=1 (sklearn trains with PCD, batch means, learning
rate 0.1, and no shuffling), for comparing epoch times only.
Usage: python3 sklearn_rbm.py IMAGES_IDX --hidden 64 --epochs 3 --batch-size 1000
"""
import argparse
import json
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM

from numpy_cd1 import read_idx_images


def main():
    p = argparse.ArgumentParser()
    p.add_argument("images")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=1000)
    args = p.parse_args()
    x = (read_idx_images(args.images) / 255).astype(np.float32)
    for epoch in range(1, args.epochs + 1):
        rbm = BernoulliRBM(n_components=args.hidden, batch_size=args.batch_size, n_iter=1, random_state=epoch)
        start = time.perf_counter()
        rbm.fit(x)
        print(json.dumps({"epoch": epoch, "seconds": time.perf_counter() - start}), flush=True)


if __name__ == "__main__":
    main()
