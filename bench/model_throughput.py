"""Raw toxicity-model throughput, load time and memory: fp32 against dynamic int8 (and bf16, for reference).

    .venv/bin/python bench/model_throughput.py                 # bundled model, batches 1/8/32/64
    .venv/bin/python bench/model_throughput.py --no-quality    # skip the held-out AUC (needs ../shared data)
    .venv/bin/python bench/model_throughput.py --variants fp32 --compare 994ef56   # v4 (that commit) beside v5

Each variant runs in its own process, so that load time and peak RSS are that variant's alone. Texts are
synthetic comment-like sentences (word counts drawn like news comments: median ~25 words), sorted into
batches as the runner would hand them over. With the shared data present, each variant also scores the
held-out comment-style split of scripts/train_bundled_model.py to measure what quantisation costs in AUC.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ("fp32", "int8", "bf16")
WORDS = [
    "the",
    "council",
    "said",
    "it",
    "would",
    "review",
    "the",
    "plan",
    "after",
    "residents",
    "raised",
    "concerns",
    "about",
    "traffic",
    "and",
    "noise",
    "near",
    "school",
    "this",
    "is",
    "not",
    "what",
    "voters",
    "were",
    "promised",
    "I",
    "think",
    "article",
    "misses",
    "point",
    "about",
    "costs",
    "why",
    "does",
    "nobody",
    "mention",
    "taxes",
    "a",
    "good",
    "read",
    "thanks",
    "for",
    "reporting",
    "on",
    "local",
    "issues",
    "people",
    "should",
    "look",
    "at",
    "numbers",
    "before",
    "they",
    "complain",
    "mayor",
    "budget",
    "police",
    "housing",
    "rent",
    "prices",
    "bus",
    "station",
    "park",
    "river",
    "election",
    "campaign",
    "government",
    "policy",
    "health",
    "hospital",
    "teachers",
    "students",
    "workers",
    "business",
    "market",
]


def comment_like_texts(count: int, seed: int = 0) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(mean=3.2, sigma=0.7, size=count), 3, 200).astype(int)
    return [" ".join(rng.choice(WORDS, size=n)).capitalize() + "." for n in lengths]


def use_bundled_files(directory: Path) -> None:
    """Point the bundled model at the tensors and metadata in `directory` (another model version)."""
    from comments.domain.toxicity import bundled

    bundled.TRAINED_TENSORS = directory / bundled.TRAINED_TENSORS.name
    bundled.METADATA_FILE = directory / bundled.METADATA_FILE.name
    bundled.SPAN_HEAD_TENSORS = directory / bundled.SPAN_HEAD_TENSORS.name
    bundled.bundled_metadata.cache_clear()


def extract_bundled(revision: str) -> Path:
    """The bundled model files as committed at `revision`, in a temporary directory."""
    directory = Path(tempfile.mkdtemp(prefix="comments-bench-model-"))
    package = "src/comments/domain/toxicity/bundled"
    for name in ("minilm_l6_toxicity.safetensors", "metadata.json", "span_head.safetensors"):
        shown = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:{package}/{name}"], capture_output=True)
        if shown.returncode == 0:
            (directory / name).write_bytes(shown.stdout)
    return directory


def measure_explain(classifier: Any, repeats: int) -> dict[str, float] | None:
    """explain() per comment, alone and in batches of 8 (only where the model has a span head)."""
    if getattr(classifier, "span_head", None) is None:
        return None
    texts = comment_like_texts(8 * max(repeats, 8), seed=11)
    alone = median_ms(classifier.explain, [[t] for t in texts[: max(repeats, 30)]])
    batched = median_ms(classifier.explain, [texts[i : i + 8] for i in range(0, len(texts), 8)])
    score_alone = median_ms(classifier.score, [[t] for t in texts[: max(repeats, 30)]])
    return {"explain_one_ms": alone, "explain_batch8_ms": batched, "score_one_ms": score_alone}


def measure_variant(variant: str, home: Path, batch_sizes: list[int], repeats: int, quality: bool) -> dict:
    """Runs in a child process: load, time score() per batch size, optionally score the held-out split."""
    import torch

    from comments.config import Settings
    from comments.domain.toxicity.detoxify_backend import load_classifier

    variant, _, model_files = variant.partition("@")
    if model_files:
        use_bundled_files(Path(model_files))
    started = time.perf_counter()
    classifier = load_classifier(Settings(home=home, toxicity_quantize=variant == "int8"))
    if variant == "bf16":
        classifier.detoxify.model.to(torch.bfloat16)
    load_seconds = time.perf_counter() - started
    rss_after_load = peak_rss_mib()
    classifier.score(comment_like_texts(8, seed=99))  # warm-up: first call allocates

    rows = []
    for batch_size in batch_sizes:
        calls = max(repeats, 256 // batch_size)
        texts = comment_like_texts(batch_size * calls, seed=batch_size)
        batches = [sorted(texts[c * batch_size : (c + 1) * batch_size], key=len) for c in range(calls)]
        predict_ms = median_ms(classifier.detoxify.predict, batches)
        score_ms = median_ms(classifier.score, batches)
        rows.append(
            {
                "batch_size": batch_size,
                "calls": calls,
                "predict_ms": predict_ms,
                "predict_comments_per_second": batch_size / predict_ms * 1000,
                "score_ms": score_ms,
                "score_comments_per_second": batch_size / score_ms * 1000,
            }
        )
    result: dict[str, Any] = {
        "runner": asyncio.run(measure_runner(classifier, repeats)),
        "explain": measure_explain(classifier, repeats),
        "variant": variant + (f" ({classifier.model_id})" if model_files else ""),
        "model_id": classifier.model_id,
        "torch_threads": torch.get_num_threads(),
        "load_seconds": load_seconds,
        "throughput": rows,
    }
    # Serving memory: before the quality check, which loads pandas and the data.
    result |= {"peak_rss_mib_after_load": rss_after_load, "peak_rss_mib_serving": peak_rss_mib()}
    if quality:
        result["held_out"] = held_out_quality(classifier)
    return result


def median_ms(call: Any, batches: list[list[str]]) -> float:
    timings = []
    for batch in batches:
        begun = time.perf_counter()
        call(batch)
        timings.append(time.perf_counter() - begun)
    return statistics.median(timings) * 1000


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure_runner(classifier: Any, repeats: int, clients: int = 32) -> dict[str, float]:
    """What the BatchingRunner adds: a lone call's latency, and throughput with many concurrent callers."""
    from comments.domain.toxicity.runner import BatchingRunner

    runner = BatchingRunner(classifier, batch_size=32, batch_wait_ms=3.0, timeout_seconds=60)
    runner.start()
    await runner.wait_ready()
    texts = comment_like_texts(clients * repeats, seed=7)
    direct, queued = [], []
    for text in texts[: max(repeats, 50)]:
        begun = time.perf_counter()
        classifier.score([text])
        direct.append(time.perf_counter() - begun)
        begun = time.perf_counter()
        await runner.score(text)
        queued.append(time.perf_counter() - begun)

    async def client(own: list[str]) -> None:
        for text in own:
            await runner.score(text)

    begun = time.perf_counter()
    await asyncio.gather(*(client(texts[i::clients]) for i in range(clients)))
    elapsed = time.perf_counter() - begun
    stats = runner.stats()
    await runner.stop()
    return {
        "lone_direct_ms": statistics.median(direct) * 1000,
        "lone_runner_ms": statistics.median(queued) * 1000,
        "concurrent_clients": clients,
        "concurrent_comments_per_second": len(texts) / elapsed,
        "mean_batch_size": stats["mean_batch_size"],
    }


def held_out_quality(classifier: Any) -> dict[str, float]:
    import numpy as np

    sys.path.insert(0, str(REPO / "scripts"))
    import train_bundled_model as training

    from comments.domain.toxicity.bundled import recommended_thresholds
    from comments.domain.toxicity.evaluation import false_positive_rate_at, recall_at, roc_auc

    data = training.load_data(training.DEFAULT_DATA_DIR, training.Recipe())
    test = data[(data.split == "test") & data.source.isin(training.COMMENT_STYLE)]
    texts = test.text.tolist()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    scores = [0.0] * len(texts)
    for start in range(0, len(order), 64):
        chunk = order[start : start + 64]
        for index, result in zip(chunk, classifier.score([texts[i] for i in chunk]), strict=True):
            scores[index] = result[training.LABEL]
    labels, hold = test.label.to_numpy(), recommended_thresholds()[training.LABEL]["hold"]
    return {
        "rows": len(texts),
        "toxic": int(labels.sum()),
        "roc_auc": roc_auc(labels, scores),
        "hold": hold,
        "recall_at_hold": recall_at(labels, np.asarray(scores), hold),
        "false_positive_rate_at_hold": false_positive_rate_at(labels, np.asarray(scores), hold),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", default="1,8,32,64")
    parser.add_argument("--repeats", type=int, default=20, help="Calls per batch size (at least 256 texts).")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--quality", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument(
        "--compare",
        metavar="REVISION",
        help="Also measure the bundled model committed at this git revision, interleaved with the working "
        "tree's (same run, same machine load): e.g. v4 against v5.",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    if args.child:
        result = measure_variant(args.child, args.home, batch_sizes, args.repeats, args.quality)
        print(json.dumps(result))
        return

    from comments.domain.toxicity.bundled import ensure_bundled_checkpoint

    home = Path(tempfile.mkdtemp(prefix="comments-bench-"))
    started = time.perf_counter()
    ensure_bundled_checkpoint(home)
    assembly_seconds = time.perf_counter() - started

    variants = args.variants.split(",")
    if args.compare:
        other = extract_bundled(args.compare)
        variants = [v for variant in variants for v in (f"{variant}@{other}", variant)]
    results = []
    for variant in variants:
        command = [sys.executable, __file__, "--child", variant, "--home", str(home)]
        command += ["--batch-sizes", args.batch_sizes, "--repeats", str(args.repeats)]
        command += ["--quality" if args.quality else "--no-quality"]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(f"measured {variant}", file=sys.stderr, flush=True)

    print_table(results, assembly_seconds)
    if args.json:
        args.json.write_text(json.dumps({"assembly_seconds": assembly_seconds, "variants": results}, indent=2))


def print_table(results: list[dict], assembly_seconds: float) -> None:
    print(f"first-use assembly of the bundled checkpoint: {assembly_seconds:.1f}s")
    print("one detoxify predict per batch (raw) | score: sorted, predicted in chunks of similar length")
    print(f"{'variant':8} {'batch':>5} {'predict ms':>11} {'comments/s':>11} {'score ms':>9} {'comments/s':>11}")
    for result in results:
        for row in result["throughput"]:
            print(
                f"{result['variant']:8} {row['batch_size']:>5} {row['predict_ms']:>11.1f} "
                f"{row['predict_comments_per_second']:>11.1f} {row['score_ms']:>9.1f} "
                f"{row['score_comments_per_second']:>11.1f}"
            )
    print(f"\n{'variant':8} {'lone direct ms':>15} {'lone runner ms':>15} {'32 clients/s':>13} {'mean batch':>11}")
    for result in results:
        runner = result["runner"]
        print(
            f"{result['variant']:8} {runner['lone_direct_ms']:>15.1f} {runner['lone_runner_ms']:>15.1f} "
            f"{runner['concurrent_comments_per_second']:>13.1f} {runner['mean_batch_size']:>11.1f}"
        )
    print(f"\n{'variant':8} {'load s':>7} {'RSS MiB loaded':>15} {'RSS MiB serving':>16}  threads")
    for result in results:
        print(
            f"{result['variant']:8} {result['load_seconds']:>7.2f} {result['peak_rss_mib_after_load']:>15.0f} "
            f"{result['peak_rss_mib_serving']:>16.0f}  {result['torch_threads']}"
        )
    if any(result.get("explain") for result in results):
        print(f"\n{'variant':8} {'score 1 ms':>11} {'explain 1 ms':>13} {'explain 8 ms':>13}")
        for result in results:
            if result.get("explain"):
                e = result["explain"]
                print(
                    f"{result['variant']:8} {e['score_one_ms']:>11.1f} {e['explain_one_ms']:>13.1f} "
                    f"{e['explain_batch8_ms']:>13.1f}"
                )
    if any("held_out" in result for result in results):
        print(
            f"\n{'variant':8} {'held-out AUC':>13} {'recall@hold':>12} {'FPR@hold':>9}  (Jigsaw + Wikipedia talk test)"
        )
        for result in results:
            quality = result["held_out"]
            print(
                f"{result['variant']:8} {quality['roc_auc']:>13.4f} {quality['recall_at_hold']:>12.3f} "
                f"{quality['false_positive_rate_at_hold']:>9.3f}"
            )


if __name__ == "__main__":
    main()
