"""Loads a webgpu-rbm model file into scikit-learn's BernoulliRBM and checks it against us.

The model's w (visible × hidden) becomes components_ transposed, its hidden and visible biases
intercept_hidden_ and intercept_visible_; BernoulliRBM.transform then gives the hidden
probabilities P(h = 1 | v), which must equal the features `rbm transform` saved, and its
_free_energy our free energy. Binary visible units only (what BernoulliRBM models).

Usage: python3 examples/to_sklearn.py model.safetensors data.npy features.npy
  data.npy: the rows `rbm transform --data` read (float32 or float64; uint8 pixels are / 255)
  features.npy: what `rbm transform --out` wrote
Prints the largest difference and exits 1 if it is above 1e-5.
"""
import sys

import numpy as np
from sklearn.neural_network import BernoulliRBM

from read_model import read_model


def to_sklearn(path):
    arrays, info = read_model(path)
    config = info["config"]
    if config.get("visibleType", "binary") != "binary" or config.get("labels", 0):
        raise SystemExit(f"{path}: BernoulliRBM models binary visible units without a label layer")
    rbm = BernoulliRBM(n_components=config["hidden"])
    rbm.components_ = arrays["w"].T.astype(np.float64)
    rbm.intercept_hidden_ = arrays["hidden_bias"].astype(np.float64)
    rbm.intercept_visible_ = arrays["visible_bias"].astype(np.float64)
    return rbm


def rows(path):
    x = np.load(path)
    x = x.reshape(x.shape[0], -1)
    return x / 255.0 if x.dtype == np.uint8 else x.astype(np.float64)


if __name__ == "__main__":
    model, data, features = sys.argv[1:4]
    rbm = to_sklearn(model)
    ours = np.load(features)
    theirs = rbm.transform(rows(data))
    worst = float(np.max(np.abs(theirs - ours)))
    print(f"BernoulliRBM.transform against rbm transform's features: largest difference {worst:.2e} over {ours.size} values")
    sys.exit(0 if worst <= 1e-5 else 1)
