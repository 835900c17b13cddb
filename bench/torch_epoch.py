"""One epoch of mini-batch SGD in PyTorch on one CPU thread, for bench/local-epoch.ts.

Reads a JSON request on stdin: {"rows", "features", "hidden": [...], "batch", "epochs", "seed"};
trains the same shape of model fedcredit trains (dense layers with ReLU, one logit, binary
cross-entropy on logits, plain SGD) on random rows, and prints {"torch": version, "rowsPerSecond":
[one figure per epoch]} as JSON. Exits 3 when torch is not installed.
"""
import json
import sys
import time

try:
    import torch
except ImportError:
    sys.exit(3)

req = json.load(sys.stdin)
torch.set_num_threads(1)
torch.manual_seed(req["seed"])
n, d, batch = req["rows"], req["features"], req["batch"]
x = torch.randn(n, d)
y = (torch.rand(n, 1) < 0.3).float()
layers, width = [], d
for h in req["hidden"]:
    layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
    width = h
layers.append(torch.nn.Linear(width, 1))
model = torch.nn.Sequential(*layers)
loss_fn = torch.nn.BCEWithLogitsLoss()
opt = torch.optim.SGD(model.parameters(), lr=0.05)
rates = []
for _ in range(req["epochs"]):
    order = torch.randperm(n)
    start = time.perf_counter()
    for i in range(0, n, batch):
        idx = order[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    rates.append(n / (time.perf_counter() - start))
print(json.dumps({"torch": torch.__version__, "rowsPerSecond": rates}))
