#!/usr/bin/env python3
"""GPU service-time profiles for the simulator (sim/profiles/*.yaml, class gpu-h200).

onnxruntime-node on this project's machines has only its CPU provider, so on a GPU machine the
profile models are re-implemented in PyTorch from the graphs that scripts/sim/export-graph.ts
exports (same weights, same operators; each is first checked against a reference output that
onnxruntime-node computed). Then, for batch sizes 1..256, it times one batch end to end: pinned
host input -> device, the model, outputs -> host, synchronised; eagerly and replayed from a CUDA
graph (what a tuned server does). Medians, ms. FP32 with TF32 off, like the ONNX models.

  python3 scripts/sim/profile-measure-gpu.py GRAPHS.json OUT.json [--backend torch|numpy]

--backend numpy only checks the re-implementation against the references (no timing), so the
script can be tested on a machine without PyTorch.
"""
import argparse
import base64
import json
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]


def pattern(n, scale):
    i = np.arange(n, dtype=np.int64)
    return ((((i * 7919) % 997) / 997 - 0.5) * scale).astype(np.float32)


def init_array(init):
    n = int(np.prod(init["dims"])) if init["dims"] else 1
    if "pattern_scale" in init:
        arr = pattern(n, init["pattern_scale"])
    else:
        dtype = np.int64 if init["dtype"] == "int64" else np.float32
        arr = np.frombuffer(base64.b64decode(init["data_b64"]), dtype=dtype).copy()
    return arr.reshape(init["dims"])


class Graph:
    """A tiny interpreter over the exported nodes, for numpy arrays or torch tensors."""

    def __init__(self, spec, xp, to_device):
        self.spec = spec
        self.xp = xp
        self.host = {i["name"]: init_array(i) for i in spec["initializers"]}
        self.consts = {name: to_device(arr) for name, arr in self.host.items()}
        self.nodes = spec["nodes"]
        self.outputs = spec["outputs"]

    def __call__(self, x):
        xp = self.xp
        env = dict(self.consts)
        env[self.spec["input"]] = x
        for node in self.nodes:
            op, attrs = node["op"], node["attrs"]
            ins = [env[name] if name else None for name in node["inputs"]]
            if op == "Sub":
                out = ins[0] - ins[1]
            elif op == "Add":
                out = ins[0] + ins[1]
            elif op == "Mul":
                out = ins[0] * ins[1]
            elif op == "Div":
                out = ins[0] / ins[1]
            elif op == "Relu":
                out = xp.relu(ins[0])
            elif op == "MatMul":
                out = ins[0] @ ins[1]
            elif op == "Gemm":
                a = ins[0].T if attrs.get("transA", 0) else ins[0]
                b = ins[1].T if attrs.get("transB", 0) else ins[1]
                out = a @ b
                alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
                if alpha != 1.0:
                    out = out * alpha
                if len(ins) > 2 and ins[2] is not None:
                    out = out + (ins[2] * beta if beta != 1.0 else ins[2])
            elif op == "Softmax":
                out = xp.softmax(ins[0], attrs.get("axis", -1))
            elif op == "Slice":
                names = node["inputs"]
                starts, ends = self.host[names[1]].tolist(), self.host[names[2]].tolist()
                axes = self.host[names[3]].tolist() if len(names) > 3 and names[3] else list(range(len(starts)))
                index = [slice(None)] * len(ins[0].shape)
                for s, e, a in zip(starts, ends, axes):
                    index[a] = slice(s, min(e, ins[0].shape[a]))
                out = ins[0][tuple(index)]
            else:
                raise ValueError(f"{self.spec['model']}: operator {op} is not implemented")
            env[node["outputs"][0]] = out
        return tuple(env[name] for name in self.outputs)


class NumpyOps:
    @staticmethod
    def relu(a):
        return np.maximum(a, 0)

    @staticmethod
    def softmax(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def check(graph, spec, to_host, to_device):
    ref = spec["reference"]
    x = np.frombuffer(base64.b64decode(ref["input_b64"]), dtype=np.float32).reshape(ref["rows"], spec["width"])
    outs = graph(to_device(x))
    worst = 0.0
    for name, out in zip(spec["outputs"], outs):
        want = np.frombuffer(base64.b64decode(ref["outputs"][name]), dtype=np.float32).reshape(ref["rows"], -1)
        got = to_host(out).reshape(ref["rows"], -1)
        worst = max(worst, float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))))
    return worst


def median_ms(fn, budget_s, min_runs, warmup):
    for _ in range(warmup):
        fn()
    times = []
    started = time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - started < budget_s and len(times) < 20000):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def measure_torch(graph, spec, torch, device, budget_s):
    width = spec["width"]
    eager, graphed, kernel, runs = {}, {}, {}, {}
    for batch in BATCHES:
        host_in = torch.from_numpy(np.random.default_rng(batch).random((batch, width), dtype=np.float32)).pin_memory()

        def eager_once():
            outs = graph(host_in.to(device, non_blocking=True))
            return [o.to("cpu") for o in outs]

        eager[batch], _ = median_ms(eager_once, budget_s, 50, 20)

        static_in = torch.empty((batch, width), device=device)
        static_in.copy_(host_in)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                graph(static_in)
        torch.cuda.current_stream().wait_stream(side)
        cuda_graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(cuda_graph):
            static_out = graph(static_in)
        host_out = [torch.empty(o.shape, dtype=o.dtype, pin_memory=True) for o in static_out]

        def graphed_once():
            static_in.copy_(host_in, non_blocking=True)
            cuda_graph.replay()
            for h, o in zip(host_out, static_out):
                h.copy_(o, non_blocking=True)
            torch.cuda.synchronize()

        graphed[batch], runs[batch] = median_ms(graphed_once, budget_s, 50, 20)
        # Same answer from the graph as from eager execution.
        ref = eager_once()
        for h, r in zip(host_out, ref):
            if not torch.allclose(h, r, rtol=1e-4, atol=1e-5):
                raise RuntimeError(f"{spec['model']}: CUDA graph output differs from eager at batch {batch}")

        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        samples = []
        for _ in range(200):
            start.record()
            cuda_graph.replay()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
        kernel[batch] = statistics.median(samples)
        print(f"  {spec['model']} batch {batch:3d}: eager {eager[batch]:.4f} ms, graph {graphed[batch]:.4f} ms, device only {kernel[batch]:.4f} ms", file=sys.stderr)
    return {"eager_ms": eager, "graph_ms": graphed, "device_only_ms": kernel, "runs": runs}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("graphs")
    parser.add_argument("out")
    parser.add_argument("--backend", choices=["torch", "numpy"], default="torch")
    parser.add_argument("--budget-s", type=float, default=0.4)
    args = parser.parse_args()
    spec = json.load(open(args.graphs))
    report = {"models": {}}
    if args.backend == "numpy":
        for g in spec["graphs"]:
            graph = Graph(g, NumpyOps, lambda a: a)
            report["models"][g["model"]] = {"max_rel_error": check(graph, g, lambda a: np.asarray(a), lambda a: a)}
    else:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        device = torch.device("cuda")

        class TorchOps:
            relu = staticmethod(torch.relu)

            @staticmethod
            def softmax(a, axis):
                return torch.softmax(a, dim=axis)

        to_device = lambda a: torch.from_numpy(np.array(a)).to(device)
        to_host = lambda t: t.detach().cpu().numpy()
        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm", "--format=csv,noheader"], capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception as error:  # noqa: BLE001
            smi = f"nvidia-smi failed: {error}"
        report["environment"] = {
            "device": torch.cuda.get_device_name(0),
            "nvidia_smi": smi,
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d"),
        }
        for g in spec["graphs"]:
            graph = Graph(g, TorchOps, to_device)
            error = check(graph, g, to_host, to_device)
            if error > 1e-3:
                raise RuntimeError(f"{g['model']}: the PyTorch graph disagrees with onnxruntime-node (max rel error {error})")
            with torch.no_grad():
                timings = measure_torch(graph, g, torch, device, args.budget_s)
            report["models"][g["model"]] = {"max_rel_error": error, **timings}
    json.dump(report, open(args.out, "w"), indent=1)
    print(json.dumps({m: r.get("graph_ms", r.get("max_rel_error")) for m, r in report["models"].items()}))


if __name__ == "__main__":
    main()
