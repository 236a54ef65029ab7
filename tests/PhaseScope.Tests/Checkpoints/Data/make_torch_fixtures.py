"""Writes the PyTorch-written fixtures of tests/PhaseScope.Tests/Checkpoints (committed: CI has no Python or torch).

Run from this directory with Debian's python3-torch:  /usr/bin/python3 make_torch_fixtures.py
Every value the tests compare against is computed here, in float64, from the tensors torch holds in memory (not from the
files), and written to expected.json.
"""
import io
import json
import os
import shutil

import torch

torch.manual_seed(0)
here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def describe(sd):
    out = {}
    for k, v in sd.items():
        d = v.detach().to(torch.float64)
        out[k] = {
            "dtype": str(v.dtype).replace("torch.", ""),
            "shape": list(v.shape),
            "sum": d.sum().item(),
            "sum_sq": (d * d).sum().item(),
            "first": d.flatten()[0].item() if d.numel() > 0 else None,
        }
    return out


expected = {}

# A tiny MLP with BatchNorm, one training-mode forward so that the running statistics and num_batches_tracked (int64) move.
model = mlp()
model.train()
model(torch.randn(16, 4))
sd = model.state_dict()
torch.save(sd, "mlp_bn_zip.pt")
torch.save(sd, "mlp_bn_legacy.pt", _use_new_zipfile_serialization=False)
expected["mlp_bn_zip.pt"] = describe(sd)
expected["mlp_bn_legacy.pt"] = describe(sd)

# Views sharing one storage: a transposed matrix and a slice with an offset (strides and storage offsets).
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7.0
views = {"transposed": base.t(), "slice": base.flatten()[5:11], "half": base.to(torch.float16)[1]}
torch.save(views, "views_zip.pt")
torch.save(views, "views_legacy.pt", _use_new_zipfile_serialization=False)
expected["views_zip.pt"] = describe(views)
expected["views_legacy.pt"] = describe(views)

# A full training checkpoint: the state dict under "model", beside the optimizer's state and python values.
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss = model(torch.randn(16, 4)).pow(2).mean()
loss.backward()
opt.step()
sd2 = model.state_dict()
torch.save({"model": sd2, "optimizer": opt.state_dict(), "epoch": 3, "global_step": 1200}, "full_checkpoint.pt")
expected["full_checkpoint.pt"] = describe(sd2)
# The same without a recognised key: refused, naming the key that holds the tensors.
torch.save({"weights": sd2, "epoch": 3}, "odd_checkpoint.pt")

# Not state dicts at all.
torch.save([1, 2, 3], "list.pt")
torch.save({"lr": 0.1, "name": "run"}, "no_tensors.pt")
torch.save(model, "whole_model.pt")

# Truncated copies.
for src, dst in [("mlp_bn_zip.pt", "truncated_zip.pt"), ("mlp_bn_legacy.pt", "truncated_legacy.pt")]:
    data = open(src, "rb").read()
    open(dst, "wb").write(data[: len(data) * 2 // 3])

# A trajectory: 8 checkpoints of the MLP trained by SGD on a fixed regression task, saved every 5 steps as step_N.pt,
# with gradient samples (4 micro-batches of 8 examples: tensors [4, ...]) at each checkpoint and a metrics CSV.
shutil.rmtree("trajectory", ignore_errors=True)
os.makedirs("trajectory/grads")
torch.manual_seed(1)
net = mlp()
x = torch.randn(32, 4)
y = torch.randn(32, 3)
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
names = [n for n, _ in net.named_parameters()]
traj = {"steps": [], "param_norm": [], "dist_from_first": [], "update_norm": [], "parameters": names, "window": 4, "sigma": {}}
updates = []
first = None
previous = None
rows = []
for step in range(0, 40):
    net.train()
    sgd.zero_grad()
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    if step % 5 == 0:
        sd = {k: v.clone() for k, v in net.state_dict().items()}
        torch.save(sd, f"trajectory/step_{step}.pt")
        flat = torch.cat([p.detach().to(torch.float64).flatten() for p in net.parameters()])
        if first is None:
            first = flat.clone()
        traj["steps"].append(step)
        traj["param_norm"].append(flat.norm().item())
        traj["dist_from_first"].append((flat - first).norm().item())
        traj["update_norm"].append(None if previous is None else (flat - previous).norm().item())
        if previous is not None:
            updates.append(flat - previous)
        if len(updates) >= 4:
            # seed 001's spectrum of a window: the singular values of the 4 x P matrix of the last 4 updates
            traj["sigma"][str(step)] = torch.linalg.svdvals(torch.stack(updates[-4:])).tolist()
        previous = flat.clone()
        samples = {n: [] for n in names}
        for i in range(4):
            net.zero_grad()
            torch.nn.functional.mse_loss(net(x[i * 8:(i + 1) * 8]), y[i * 8:(i + 1) * 8]).backward()
            for n, p in net.named_parameters():
                samples[n].append(p.grad.detach().clone())
        torch.save({n: torch.stack(v) for n, v in samples.items()}, f"trajectory/grads/step_{step}.pt")
        sgd.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        rows.append((step, loss.item(), 0.1 + step / 100.0))
    sgd.step()
with open("trajectory/metrics.csv", "w") as f:
    f.write("step,loss,accuracy\n")
    for s, l, a in rows:
        f.write(f"{s},{l!r},{a!r}\n")
expected["trajectory"] = traj

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
print("torch", torch.__version__, "files:", sorted(os.listdir(".")))
