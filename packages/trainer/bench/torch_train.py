"""PyTorch side of Baler's training benchmark (bench/train.ts runs it): the same dense autoencoders,
batch sizes, Adam and MSE loss on the same normalized data, timed per epoch on the CPU.

Usage: python3 torch_train.py SPEC.json  ->  prints one JSON object with samples/s (best and median epoch)
per case and thread count.
SPEC.json: {"cases": [{"name", "data": "file.f32", "rows", "features", "encoder", "latent", "batch", "epochs"}],
            "threads": [1, 2]}
"""
import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


def autoencoder(features, encoder, latent):
    sizes = [features, *encoder, latent, *reversed(encoder), features]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        last_of_encoder = i == len(encoder)
        if i < len(sizes) - 2 and not last_of_encoder:
            layers.append(nn.LeakyReLU(0.01))
    return nn.Sequential(*layers)


def run(case, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    data = np.fromfile(case["data"], dtype="<f4").reshape(case["rows"], case["features"])
    x = torch.from_numpy(data.copy())
    net = autoencoder(case["features"], case["encoder"], case["latent"])
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    batch = case["batch"]
    rates = []
    for _ in range(case["epochs"]):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], batch):
            xb = x[order[i : i + batch]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), xb)
            loss.backward()
            optimizer.step()
        rates.append(x.shape[0] / (time.perf_counter() - start))
    # The first epoch pays for allocation and warm-up. The best epoch is the figure least disturbed by
    # other work on the machine; the median is the typical one.
    steady = rates[1:] if len(rates) > 1 else rates
    return {"best": max(steady), "median": statistics.median(steady)}


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    results = {"torch": torch.__version__, "cases": {}}
    for case in spec["cases"]:
        results["cases"][case["name"]] = {str(t): run(case, t) for t in spec["threads"]}
    results["blas"] = loaded_blas()
    print(json.dumps(results))


def loaded_blas():
    """Which BLAS library torch's matrix products went to: Debian's torch uses whatever libblas.so.3
    points at, and the reference BLAS (the default without libopenblas0) is several times slower."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line or "mkl" in line}
    except OSError:
        return "unknown"
    for name in ("mkl", "openblas"):
        if any(name in p for p in paths):
            return name
    return "reference BLAS" if paths else "built in"


if __name__ == "__main__":
    main()
