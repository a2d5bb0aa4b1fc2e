#!/usr/bin/env python3
"""PyTorch CPU reference for `npm run bench` (never used by tests).

    python3 bench/torch_reference.py --threads 2 --job job.json   # prints one JSON line

The job names a workload, the input files written by bench/run.ts (raw little-endian float32 /
int32, the same bytes our side uses), and how many warm-up and timed repeats to run. Thread
counts are set before numpy/torch are imported: OpenBLAS and OpenMP oversubscribe two cores on
small batches otherwise.
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, required=True)
ap.add_argument("--job", required=True)
args = ap.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)

job = json.load(open(args.job))


def load(name, dtype, shape):
    arr = np.fromfile(job["files"][name], dtype=dtype).reshape(shape)
    return torch.from_numpy(arr.copy())


n, d = job["n"], job["d"]
emb = load("embeddings", np.float32, (n, d)) if "embeddings" in job["files"] else None
labels = load("labels", np.int32, (n,)).long() if "labels" in job["files"] else None
other = load("other", np.float32, (n, d)) if "other" in job["files"] else None


def masks(lab):
    """Positive pairs (same label, not the diagonal) and negative pairs (different labels)."""
    same = lab[:, None] == lab[None, :]
    eye = torch.eye(len(lab), dtype=torch.bool)
    return same & ~eye, ~same


def lp_matrix(x):
    xn = F.normalize(x, p=2, dim=1)
    return torch.cdist(xn, xn)


def avg_nonzero(v):
    pos = v > 0
    c = pos.sum()
    return v.sum() / c if c > 0 else v.sum() * 0


def batch_hard(x, margin=0.05, lab=None):
    dist = lp_matrix(x)
    pos, neg = masks(labels if lab is None else lab)
    with torch.no_grad():
        ap_idx = torch.where(pos, dist, torch.full_like(dist, -1.0)).argmax(1)
        an_idx = torch.where(neg, dist, torch.full_like(dist, 1e9)).argmin(1)
        keep = pos.any(1) & neg.any(1)
    rows = torch.arange(len(x))[keep]
    ap = dist[rows, ap_idx[keep]]
    an = dist[rows, an_idx[keep]]
    return avg_nonzero(F.relu(ap - an + margin))


def positive_pairs(pos):
    """Every (anchor, positive) pair, row-major like PML's enumeration."""
    return torch.where(pos)


def batch_all(x, margin=0.05):
    # Every valid triplet, one row per positive pair against every candidate: [M, N] with
    # M = number of positive pairs, instead of PML's [N, N, N] mask (68 G elements at N = 4096).
    dist = lp_matrix(x)
    pos, neg = masks(labels)
    a, p = positive_pairs(pos)
    viol = dist[a, p][:, None] - dist[a] + margin
    return avg_nonzero(F.relu(viol[neg[a]]))


def semihard(x, margin=0.05, miner_margin=0.2):
    # PML TripletMarginMiner(margin=0.2, type_of_triplets="semihard"), then TripletMarginLoss(0.05).
    dist = lp_matrix(x)
    pos, neg = masks(labels)
    a, p = positive_pairs(pos)
    with torch.no_grad():
        gap = dist[a] - dist[a, p][:, None]
        sel = neg[a] & (gap > 0) & (gap <= miner_margin)
        k, q = torch.where(sel)
    ta, tp = a[k], p[k]
    return avg_nonzero(F.relu(dist[ta, tp] - dist[ta, q] + margin))


def contrastive(x, pos_margin=0.0, neg_margin=1.0):
    dist = lp_matrix(x)
    pos, neg = masks(labels)
    return avg_nonzero(F.relu(dist[pos] - pos_margin)) + avg_nonzero(F.relu(neg_margin - dist[neg]))


def clip(a, b, temperature=0.07):
    logits = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / temperature
    t = torch.arange(len(a))
    return (F.cross_entropy(logits, t) + F.cross_entropy(logits.T, t)) / 2


def mnrl(a, b, scale=20.0):
    scores = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T * scale
    return F.cross_entropy(scores, torch.arange(len(a)))


def ntxent(x, temperature=0.07):
    xn = F.normalize(x, dim=1)
    sim = xn @ xn.T / temperature
    pos, neg = masks(labels)
    a, p = torch.where(pos)
    sim_max = sim.max(dim=1, keepdim=True)[0].detach()
    s = sim - sim_max
    pos_exp = torch.exp(s[a, p])
    neg_sum = (torch.exp(s) * neg).sum(1)[a]
    return (-torch.log(pos_exp / (pos_exp + neg_sum) + torch.finfo(torch.float32).tiny)).mean()


def pairwise_matrix(x):
    # Row means, then their mean: float32 sums over 16 M entries in one pass drift by ~1e-4.
    return lp_matrix(x).mean(1).mean()


LOSSES = {
    "distance_matrix": lambda x: pairwise_matrix(x),
    "batch_hard": lambda x: batch_hard(x),
    "batch_all": lambda x: batch_all(x),
    "semihard": lambda x: semihard(x),
    "contrastive": lambda x: contrastive(x),
    "clip_infonce": lambda x: clip(x, other_leaf),
    "mnrl": lambda x: mnrl(x, other_leaf),
    "ntxent": lambda x: ntxent(x),
}

other_leaf = other.clone().requires_grad_(True) if other is not None else None


def run_loss(name):
    x = emb.clone().requires_grad_(True)
    loss = LOSSES[name](x)
    loss.backward()
    return float(loss.detach())


def run_mine_batch_hard():
    # value: sum over mined triplets of d(a, p) - d(a, n), robust to near-ties.
    with torch.no_grad():
        dist = lp_matrix(emb)
        pos, neg = masks(labels)
        ap = torch.where(pos, dist, torch.full_like(dist, -1.0)).max(1)[0]
        an = torch.where(neg, dist, torch.full_like(dist, 1e9)).min(1)[0]
        keep = pos.any(1) & neg.any(1)
    return float((ap - an)[keep].double().sum())


def run_mine_semihard(miner_margin=0.2):
    # value: the number of semi-hard triplets.
    with torch.no_grad():
        dist = lp_matrix(emb)
        pos, neg = masks(labels)
        a, p = positive_pairs(pos)
        gap = dist[a] - dist[a, p][:, None]
        sel = neg[a] & (gap > 0) & (gap <= miner_margin)
        k, q = torch.where(sel)
    return float(len(k))


def corpus_inputs():
    q = load("queries", np.float32, (job["queries"], d))
    corpus = load("corpus", np.float32, (job["corpus"], d))
    return F.normalize(q, dim=1), F.normalize(corpus, dim=1)


def best_negatives(values, indices, num):
    """Drops each query's positive (corpus row = query row) and keeps the `num` best scores."""
    own = indices == torch.arange(len(values))[:, None]
    values = values.masked_fill(own, -float("inf"))
    return values.topk(num, dim=1)[0]


def run_corpus():
    # sentence-transformers mine_hard_negatives (non-FAISS): top (num + 1) per query over corpus
    # chunks, the positive removed, the best `num` negatives kept. value: sum of their scores.
    qn, cn = corpus_inputs()
    k, chunk, num = job["k"], job["chunk"], job["num_negatives"]
    best_v = torch.full((len(qn), k), -float("inf"))
    best_i = torch.zeros((len(qn), k), dtype=torch.long)
    with torch.no_grad():
        for s in range(0, len(cn), chunk):
            sims = qn @ cn[s : s + chunk].T
            v, i = sims.topk(min(k, sims.shape[1]), dim=1)
            allv = torch.cat([best_v, v], 1)
            alli = torch.cat([best_i, i + s], 1)
            best_v, pick = allv.topk(k, dim=1)
            best_i = alli.gather(1, pick)
    return float(best_negatives(best_v, best_i, num).double().sum())


def run_corpus_bruteforce():
    # The whole [queries, corpus] similarity matrix at once (4 GB at 10k x 100k), then topk.
    qn, cn = corpus_inputs()
    with torch.no_grad():
        v, i = (qn @ cn.T).topk(job["k"], dim=1)
    return float(best_negatives(v, i, job["num_negatives"]).double().sum())


train_losses = []


def run_train():
    # Embedding table + Adam, batch-hard triplet per step. value: the first step's loss (the
    # cross-check); the last step's loss is reported as "final".
    table = torch.nn.Parameter(load("table", np.float32, (job["table_rows"], d)))
    table_labels = load("table_labels", np.int32, (job["table_rows"],)).long()
    batches = load("batches", np.int32, (job["steps"], job["batch"])).long()
    opt = torch.optim.Adam([table], lr=job["lr"], eps=1e-8)
    global labels
    train_losses.clear()
    for s in range(job["steps"]):
        idx = batches[s]
        labels = table_labels[idx]
        x = table[idx]
        loss = batch_hard(x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_losses.append(float(loss.detach()))
    return train_losses[0]


def run_fit_magic():
    # Notebook 03's fit(): hashed features -> Linear(2048, 128) -> ReLU -> Linear(128, 32) ->
    # unit length; batch-hard triplets, margin 0.2; Adam(lr, eps 1e-8); fit's batches, in order.
    # The same initial weights (written by the Node side). value: the first step's loss.
    feats = load("features", np.float32, (job["rows"], job["buckets"]))
    lab_all = load("fit_labels", np.int32, (job["rows"],)).long()
    shapes = [(job["buckets"], job["hidden"]), (job["hidden"],), (job["hidden"], job["out_dim"]), (job["out_dim"],)]
    params = [torch.nn.Parameter(load(f"w{i}", np.float32, s)) for i, s in enumerate(shapes)]
    batches = load("batches", np.int32, (job["steps"], job["batch"])).long()
    opt = torch.optim.Adam(params, lr=job["lr"], eps=1e-8)
    w1, b1, w2, b2 = params
    train_losses.clear()
    for s in range(job["steps"]):
        idx = batches[s]
        h = torch.relu(feats[idx] @ w1 + b1)
        emb = F.normalize(h @ w2 + b2, dim=1)
        loss = batch_hard(emb, margin=job["margin"], lab=lab_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_losses.append(float(loss.detach()))
    return train_losses[0]


def once():
    w = job["workload"]
    if w == "mine_batch_hard":
        return run_mine_batch_hard()
    if w == "mine_semihard":
        return run_mine_semihard()
    if w == "corpus_mining":
        return run_corpus()
    if w == "corpus_bruteforce":
        return run_corpus_bruteforce()
    if w == "train":
        return run_train()
    if w == "fit_magic":
        return run_fit_magic()
    return run_loss(w)


base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# The first call's value is the one cross-checked; warm-up calls follow, then the timed ones.
value = once()
for _ in range(max(0, job["warmup"] - 1)):
    once()
times = []
for _ in range(job["repeats"]):
    t0 = time.perf_counter()
    once()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "engine": f"pytorch-{args.threads}t",
    "value": value,
    "median_ms": times[len(times) // 2],
    "times_ms": times,
    "peak_rss_mb": peak / 1024,
    "peak_growth_mb": (peak - base_rss) / 1024,
    "torch": torch.__version__,
    "final": train_losses[-1] if train_losses else None,
}))
sys.stdout.flush()
