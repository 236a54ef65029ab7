#!/usr/bin/python3
"""Cockpit's overhead on the peers' one-hot MLP (194-256-256-97, mod-97 addition, half the pairs, batch 512, SGD 0.1),
for a chosen subset of its configurations, so that cheap rows can run many steps and the costly ones few.

The model, data, optimizer and configurations are those of ../shared/peers/cockpit/overhead.py; this script only adds
--configs (which rows to time) and prints, per row, the time per step of one round against a plain run timed in the
same round. PeerBench (--suite peer) calls it once per round for the light rows and once for the heavy rows.
"""
import argparse, json, time
import torch
from backpack import extend
from cockpit import Cockpit, quantities
from cockpit.utils import schedules
from cockpit.utils.configuration import configuration

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--configs", required=True, help="comma-separated: cheap,normtest,mean_gsnr,hess_max_ev,economy,full")
ap.add_argument("--json", required=True)
a = ap.parse_args()
if a.steps < 1: ap.error("--steps must be ≥ 1")
torch.set_num_threads(a.threads); torch.manual_seed(0)
p = 97
pairs = torch.cartesian_prod(torch.arange(p), torch.arange(p))
perm = torch.randperm(len(pairs)); train = pairs[perm[: len(pairs) // 2]]
x = torch.cat([torch.nn.functional.one_hot(train[:, 0], p), torch.nn.functional.one_hot(train[:, 1], p)], 1).float()
y = (train[:, 0] + train[:, 1]) % p

def model():
    return extend(torch.nn.Sequential(torch.nn.Linear(2 * p, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, p)))

sched = schedules.linear(1)
known = {
    "cheap": lambda: [quantities.GradNorm(sched), quantities.UpdateSize(sched), quantities.Distance(sched), quantities.Loss(sched)],
    "normtest": lambda: [quantities.NormTest(sched)],
    "mean_gsnr": lambda: [quantities.MeanGSNR(sched)],
    "hess_max_ev": lambda: [quantities.HessMaxEV(sched)],
    "economy": lambda: configuration("economy", track_schedule=sched),
    "full": lambda: configuration("full", track_schedule=sched),
}
wanted = [c for c in a.configs.split(",") if c]
unknown = [c for c in wanted if c not in known]
if unknown: ap.error(f"unknown configuration(s) {unknown}; choose from {sorted(known)}")

def run(qs, steps):
    net = model(); lossf = extend(torch.nn.CrossEntropyLoss(reduction="mean"))
    ind = torch.nn.CrossEntropyLoss(reduction="none")
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    ck = Cockpit(net.parameters(), quantities=qs) if qs else None
    t0 = time.perf_counter()
    for s in range(steps):
        idx = torch.randint(0, len(x), (512,)); xb, yb = x[idx], y[idx]
        opt.zero_grad(); out = net(xb); loss = lossf(out, yb)
        if ck is None:
            loss.backward()
        else:
            losses = ind(out, yb)
            with ck(s, info={"batch_size": 512, "individual_losses": losses, "loss": loss, "optimizer": opt}):
                loss.backward(create_graph=ck.create_graph(s))
        opt.step()
    return (time.perf_counter() - t0) / steps

run(None, 5)
before = run(None, a.steps)
seconds = {k: run(known[k](), a.steps) for k in wanted}
after = run(None, a.steps)
plain = (before + after) / 2
json.dump({"steps": a.steps, "plain_seconds": plain, "seconds": seconds, "ratios": {k: v / plain for k, v in seconds.items()}}, open(a.json, "w"), indent=1)
