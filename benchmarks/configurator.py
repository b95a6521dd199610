"""Configurator latency: validate, propagate and price on the large demo product and the
150 x 10 shirt, in-process on one core.

    .venv/bin/python benchmarks/configurator.py [--quick]

Inputs are generated with a fixed seed: random partial configurations (some of them
impossible to complete) for propagate, and random valid complete configurations for
validate and price. The last line is one JSON object with the large product's figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from mcbackend.configurator import complete, load_definition, propagate, validate
from mcbackend.demo.catalog import DEMO_PRODUCTS
from mcbackend.domain.catalog import Attribute, ProductDefinition
from mcbackend.domain.pricing import price

TODAY = date(2026, 11, 23)


def random_value(attribute: Attribute, rng: random.Random) -> Any:
    if attribute.type == "choice":
        return rng.choice(attribute.values).code
    if attribute.type == "boolean":
        return rng.random() < 0.5
    if attribute.type == "number":
        low, _, step = attribute.scaled_bounds
        value = (low + step * rng.randint(0, attribute.grid_size)) / 10**attribute.decimals
        return int(value) if value == int(value) else value
    return None


def random_partial(definition: ProductDefinition, rng: random.Random, size: int
                   ) -> dict[str, Any]:
    """``size`` attributes set to random values, without regard to the rules."""
    candidates = [a for a in definition.attributes if a.type in ("choice", "boolean", "number")]
    return {a.code: random_value(a, rng) for a in rng.sample(candidates, size)}


def valid_configurations(definition: ProductDefinition, rng: random.Random, count: int
                         ) -> list[dict[str, Any]]:
    """Random valid complete configurations: random choices completed with the defaults."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        completion = complete(definition, random_partial(definition, rng, rng.randint(1, 6)))
        if completion.completed and not completion.needs_input:
            found.append(completion.configuration)
    return found


def partial_configurations(definition: ProductDefinition, valid: list[dict[str, Any]],
                           rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Mostly subsets of valid configurations (a customer part-way through), plus a few
    arbitrary ones that may be impossible to complete."""
    partials = []
    for _ in range(count):
        if rng.random() < 0.8:
            source = rng.choice(valid)
            codes = rng.sample(sorted(source), rng.randint(0, len(source) // 2))
            partials.append({code: source[code] for code in codes})
        else:
            partials.append(random_partial(definition, rng, rng.randint(1, 5)))
    return partials


def timed(call: Callable[[Any], Any], inputs: list[Any]) -> list[float]:
    times = []
    for item in inputs:
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(data: dict[str, Any], samples: int, rng: random.Random) -> dict[str, float]:
    start = time.perf_counter()
    definition = load_definition(data)
    load_ms = (time.perf_counter() - start) * 1000
    valid = valid_configurations(definition, rng, max(20, samples // 5))
    partials = partial_configurations(definition, valid, rng, samples)
    complete_inputs = [rng.choice(valid) for _ in range(samples * 5)]
    figures = {"load_definition_ms": load_ms}
    for name, call, inputs in [
        ("validate", lambda c: validate(definition, c), complete_inputs),
        ("propagate", lambda c: propagate(definition, c), partials),
        ("price", lambda c: price(definition, c, version=1, today=TODAY), complete_inputs),
    ]:
        times = timed(call, inputs)
        figures[f"{name}_p50_ms"] = percentile(times, 0.5)
        figures[f"{name}_p99_ms"] = percentile(times, 0.99)
        figures[f"{name}_mean_ms"] = statistics.fmean(times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples")
    args = parser.parse_args()
    samples = 40 if args.quick else 200
    rng = random.Random(20241123)
    large = max(DEMO_PRODUCTS, key=lambda d: len(d["rules"]))
    shirt = next(d for d in DEMO_PRODUCTS if d["sku"] == "SHIRT-MTM")
    results = {}
    for data in (large, shirt):
        figures = measure(data, samples, rng)
        results[data["sku"]] = figures
        print(f"{data['sku']}: {len(data['attributes'])} attributes, {len(data['rules'])} rules")
        print(f"  load_definition   {figures['load_definition_ms']:8.2f} ms")
        for name in ("validate", "propagate", "price"):
            print(f"  {name:<9} p50 {figures[f'{name}_p50_ms']:8.2f} ms   "
                  f"p99 {figures[f'{name}_p99_ms']:8.2f} ms   "
                  f"mean {figures[f'{name}_mean_ms']:8.2f} ms")
    keys = ("validate_p50_ms", "validate_p99_ms", "propagate_p50_ms", "propagate_p99_ms",
            "price_p50_ms")
    print(json.dumps({key: round(results[large["sku"]][key], 3) for key in keys}))


if __name__ == "__main__":
    main()
