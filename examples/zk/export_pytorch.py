"""Exports the zkML example models from PyTorch to ONNX, as a PyTorch user would.

Run once (needs Debian's python3-torch, python3-onnx and python3-sklearn; nothing is downloaded):
    /usr/bin/python3 examples/zk/export_pytorch.py
The outputs are committed, so the examples, tests and benchmarks need no Python:
    models/linreg.onnx  nn.Linear(10, 1) on sklearn's diabetes data         (Gemm)
    models/mlp.onnx     64-32-10 MLP on the 8x8 digits                      (Gemm, Relu)
    models/cnn.onnx     small CNN on the 8x8 digits                         (Reshape, Conv, Relu, Pad, AveragePool, Flatten, Gemm)
    data/diabetes.csv   the 442 diabetes rows (features as sklearn scales them, target)
    data/*.input.json   one held-out sample per model, EZKL's {"input_data": [[...]]}
    data/*.calibration.json  100 training samples per model for calibrate-settings
Split (the same everywhere, also in bench/zk.ts): row i is held out when i % 5 == 0.
Digits pixels are divided by 16 (inputs in [0, 1]).
"""
import csv
import json
import os

import numpy as np
import torch
from sklearn.datasets import load_diabetes
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
torch.manual_seed(0)
np.random.seed(0)


def split(n):
    test = np.array([i % 5 == 0 for i in range(n)])
    return ~test, test


def write_json(name, obj):
    with open(os.path.join(HERE, "data", name), "w") as f:
        json.dump(obj, f)


def export(model, example, name, dynamic=False):
    model.eval()
    torch.onnx.export(
        model,
        example,
        os.path.join(HERE, "models", f"{name}.onnx"),
        input_names=["input"],
        output_names=["output"],
        opset_version=13,
        do_constant_folding=True,
    )


def train(model, x, y, loss_fn, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()


# --- linear regression on diabetes ---
diabetes = load_diabetes()
X, Y = diabetes.data.astype(np.float32), diabetes.target.astype(np.float32)
with open(os.path.join(HERE, "data", "diabetes.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(list(diabetes.feature_names) + ["target"])
    for row, t in zip(X, Y):
        w.writerow([f"{v:.9g}" for v in row] + [f"{t:g}"])
tr, te = split(len(X))
lin = nn.Linear(10, 1)
# Closed-form least squares, then loaded into the layer: an exact sklearn-style LinearRegression.
A = np.hstack([X[tr], np.ones((tr.sum(), 1), dtype=np.float32)])
coef, *_ = np.linalg.lstsq(A, Y[tr], rcond=None)
with torch.no_grad():
    lin.weight.copy_(torch.tensor(coef[:10]).reshape(1, 10))
    lin.bias.copy_(torch.tensor(coef[10:]))
export(lin, torch.zeros(1, 10), "linreg")
pred = lin(torch.tensor(X[te])).detach().numpy().ravel()
print("linreg held-out RMSE", float(np.sqrt(np.mean((pred - Y[te]) ** 2))))
write_json("linreg.input.json", {"input_data": [X[te][0].tolist()]})
write_json("linreg.calibration.json", {"input_data": [X[tr][:100].ravel().tolist()]})

# --- digits ---
rows = list(csv.reader(open(os.path.join(ROOT, "examples", "data", "digits.csv"))))[1:]
D = np.array([[float(v) for v in r[:64]] for r in rows], dtype=np.float32) / 16.0
L = np.array([int(r[64]) for r in rows])
tr, te = split(len(D))
xt, yt = torch.tensor(D[tr]), torch.tensor(L[tr])


def accuracy(model):
    model.eval()
    with torch.no_grad():
        return float((model(torch.tensor(D[te])).argmax(1).numpy() == L[te]).mean())


mlp = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
train(mlp, xt, yt, nn.CrossEntropyLoss(), 60, 1e-2)
print("mlp held-out accuracy", accuracy(mlp))
export(mlp, torch.zeros(1, 64), "mlp")


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 10)

    def forward(self, x):
        x = x.reshape(-1, 1, 8, 8)
        x = torch.relu(self.conv(x))  # 6x6
        x = nn.functional.pad(x, (1, 1, 1, 1))  # 8x8
        x = self.pool(x)  # 4x4
        return self.fc(torch.flatten(x, 1))


cnn = Cnn()
train(cnn, xt, yt, nn.CrossEntropyLoss(), 40, 1e-2)
print("cnn held-out accuracy", accuracy(cnn))
export(cnn, torch.zeros(1, 64), "cnn")

for name in ("mlp", "cnn"):
    write_json(f"{name}.input.json", {"input_data": [D[te][0].tolist()]})
    write_json(f"{name}.calibration.json", {"input_data": [D[tr][:100].ravel().tolist()]})
