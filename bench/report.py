"""Turns a run's JSON into the Markdown of bench/RESULTS.md: every figure beside its target."""

from __future__ import annotations

from typing import Any

from .common import markdown_table

# Throughput targets, as multiples of the reference stacks measured in the same run (bench/reference/):
# the better of the two, except the 401 path, which is held against FastAPI's alone.
TARGET_FACTOR = {"GET list (20 tasks)": 2, "GET single task": 2, "401, no token": 1}
TARGET_AGAINST = {"401, no token": "fastapi"}
POST_P99_MS = 150
COMPETITORS = {"fastapi": "FastAPI+SQLModel", "drf_simplejwt": "DRF+simplejwt"}
# The last column is no competitor but the server's ceiling: an empty WSGI app under the same gunicorn.
REFERENCE_NAMES = {**COMPETITORS, "gunicorn_alone": "gunicorn alone"}
# The published figures (req/s, the better stack; FastAPI for 401), from a machine whose EdDSA
# floor, a raw Ed25519 verify, took 131 µs: scaled by the floors' ratio, they give its bar on this machine.
PUBLISHED_RPS = {"GET list (20 tasks)": 397, "GET single task": 645, "401, no token": 4630}
PUBLISHED_FLOOR_US = 131.0
FLOOR = "EdDSA floor: Ed25519PublicKey.verify"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Mode `{results['mode']}`, settings `{results['settings']}`, {results['cpus']} CPUs. "
        "Produced by `make bench` (`python -m bench.run --full`); see bench/README.md for what each part does.",
        "",
    ]
    lines += micro_section(results.get("micro"))
    lines += inprocess_section(results.get("inprocess"))
    lines += http_section(results.get("http"), results.get("micro"))
    lines += scale_section(results.get("scale"))
    return "\n".join(lines) + "\n"


def micro_section(micro: dict[str, Any] | None) -> list[str]:
    if not micro:
        return ["## Token verification", "", "Not run.", ""]
    rows = [[name, f"{us:.2f}"] for name, us in micro["per_call_us"].items()]
    return [
        "## Token verification (in-process, per call)",
        "",
        markdown_table(["call", "µs"], rows),
        "",
        markdown_table(
            ["ratio", "measured", "target", ""],
            [
                [
                    "first verification / floor",
                    f"{micro['first_vs_floor']:.2f}x",
                    "≤ 1.5x",
                    verdict(micro["first_vs_floor"] <= 1.5),
                ],
                [
                    "token seen before / floor",
                    f"{micro['seen_before_vs_floor']:.3f}x",
                    "≤ 0.10x",
                    verdict(micro["seen_before_vs_floor"] <= 0.10),
                ],
            ],
        ),
        "",
    ]


def inprocess_section(inprocess: dict[str, Any] | None) -> list[str]:
    if not inprocess:
        return ["## Requests in-process", "", "Not run.", ""]
    rows = [[name, f"{us:.0f}"] for name, us in inprocess["per_request_us"].items()]
    share = inprocess["auth_share_of_list"]
    lines = [
        "## Whole requests in-process (WSGI, SQLite, no server)",
        "",
        markdown_table(["request", "µs"], rows),
        "",
        f"Authentication's share of an authenticated {inprocess['list_tasks']}-task list: **{share:.1%}** "
        f"(target ≤ 3%: {verdict(share <= 0.03)}): the authentication step itself (header, token seen "
        f"before, user) takes {inprocess['authenticate_us']:.1f} µs. The difference between the list with and "
        f"without authentication, {inprocess['auth_share_by_difference']:.1%}, is below the noise of two "
        "whole requests.",
        "",
    ]
    if inprocess.get("profile_top"):
        lines += [
            "Where a list request's time goes (pyinstrument, self time, top 15):",
            "",
            markdown_table(["share", "function"], [[f"{s:.1%}", f"`{n}`"] for s, n in inprocess["profile_top"]]),
            "",
        ]
    return lines


def http_section(http: dict[str, Any] | None, micro: dict[str, Any] | None) -> list[str]:
    if not http:
        return ["## HTTP load", "", "Not run.", ""]
    lines = [f"## HTTP load: gunicorn, 2 {http.get('worker_class', 'sync')} workers, SQLite, `wrk -t1 -c16`", ""]
    if "load" in http:
        lines += load_tables(http)
        lines += published_table(http["load"], micro)
        lines += [
            "The same-run references are the honest comparison on this machine: measured beside ours, in the "
            "same run and on the same cores. The scaled figures reproduce the issue's own bar, but a ratio of "
            "EdDSA floors is only an approximation of the ratio of the two machines' speeds.",
            "",
        ]
    else:
        lines += [f"Skipped: {http.get('skipped')}.", ""]
    memory = http.get("memory")
    if memory:
        growth = memory["growth"]
        lines += [
            f"Memory: one worker's RSS {memory['rss_kib_after_100']:,} KiB after 100 requests, "
            f"{memory['rss_kib_after_all']:,} KiB after {memory['requests']:,} ({growth:+.1%}; "
            f"target within 10%: {verdict(abs(growth) <= 0.10)}).",
            "",
        ]
    return lines


def against(reference: dict[str, Any], name: str) -> float | None:
    """The req/s ours is held against: the better reference stack's, or FastAPI's for the 401 path."""
    keys = [TARGET_AGAINST[name]] if name in TARGET_AGAINST else list(COMPETITORS)
    figures = [reference[key]["load"][name]["rps"] for key in keys if key in reference]
    return max(figures) if figures else None


def post_ok(r: dict[str, Any]) -> bool:
    """The POST target over every round: the worst p99 within bounds and not one error."""
    return r["worst_p99_ms"] <= POST_P99_MS and r["errors_all_rounds"] == 0


def load_tables(http: dict[str, Any]) -> list[str]:
    """Ours beside the reference stacks of the same run, then POST's latency on every stack."""
    reference: dict[str, Any] = http.get("reference", {})
    rows = []
    for name, r in http["load"].items():
        figures = [f"{reference[key]['load'][name]['rps']:,.0f}" if key in reference else "not measured"
                   for key in REFERENCE_NAMES]  # fmt: skip
        best = against(reference, name)
        ratio = "not measured" if best is None else f"{r['rps'] / best:.2f}x"
        if name in TARGET_FACTOR:
            versus = "FastAPI" if name in TARGET_AGAINST else "best reference"
            target = f"≥ {TARGET_FACTOR[name]}x {versus}"
            met = "not measured" if best is None else verdict(r["rps"] >= TARGET_FACTOR[name] * best)
        else:
            target = f"p99 ≤ {POST_P99_MS} ms, no errors (worst round: {r['worst_p99_ms']:.1f} ms)"
            met = verdict(post_ok(r))
        ours = [name, f"{r['rps']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", r["errors_all_rounds"]]
        rows.append([*ours, *figures, ratio, target, met])
    headers = ["scenario", "ours req/s", "p50 ms", "p99 ms", "errors"]
    headers += [f"{short} req/s" for short in REFERENCE_NAMES.values()]
    rounds = http["rounds"]
    lines = [
        f"Best of {rounds} interleaved round{'s' if rounds > 1 else ''} of {http['round_seconds']:g} s per stack "
        "and scenario, all servers up at once, each on a SQLite file of its own holding the user's 20 tasks; "
        "p50 and p99 are the best round's, errors are all rounds'. The 401 path is held against FastAPI.",
        "",
        markdown_table([*headers, "ours / best reference", "target", "verdict"], rows),
        "",
    ]
    if not reference:
        reason = http.get("reference_skipped", "not run")
        return [*lines, f"Ratios not measured: the reference stacks were {reason}.", ""]
    stacks = {"ours": http["load"], **{REFERENCE_NAMES.get(key, key): ref["load"] for key, ref in reference.items()}}
    post = [
        [stack, f"{r['rps']:,.0f}", f"{r['p99_ms']:.1f}", f"{r['worst_p99_ms']:.1f}", r["errors_all_rounds"]]
        for stack, load in stacks.items()
        if (r := load.get("POST create"))
    ]
    labels = "; ".join(f"{REFERENCE_NAMES.get(key, key)} is {ref['label']}" for key, ref in reference.items())
    return [
        *lines,
        f"POST create on every stack; its verdict above is ours alone, on its worst round ({labels}):",
        "",
        markdown_table(["stack", "req/s", "p99 ms", f"worst p99 ms of {rounds}", "errors"], post),
        "",
    ]


def published_table(load: dict[str, Any], micro: dict[str, Any] | None) -> list[str]:
    """The issue's own figures, scaled to this machine by the ratio of the EdDSA floors."""
    floor = (micro or {}).get("per_call_us", {}).get(FLOOR)
    if floor is None:
        return ["The issue's published figures are not scaled to this machine: the micro part, which measures "
                "the EdDSA floor they are scaled by, did not run.", ""]  # fmt: skip
    scale = PUBLISHED_FLOOR_US / floor
    rows = []
    for name, figure in PUBLISHED_RPS.items():
        if name not in load:
            continue
        scaled, ours = figure * scale, load[name]["rps"]
        factor = TARGET_FACTOR[name]
        rows.append([name, f"{figure:,}", f"{scaled:,.0f}", f"≥ {factor}x = {factor * scaled:,.0f}", f"{ours:,.0f}",
                     f"{ours / scaled:.2f}x", verdict(ours >= factor * scaled)])  # fmt: skip
    return [
        f"Against the issue's published figures, scaled to this machine by {PUBLISHED_FLOOR_US:.0f} µs (its "
        f"EdDSA floor) / {floor:.1f} µs (this run's) = {scale:.2f}:",
        "",
        markdown_table(
            ["scenario", "issue's req/s", "scaled req/s", "target req/s", "ours req/s", "ours / scaled", "verdict"],
            rows,
        ),
        "",
    ]


def search_lines(scale: dict[str, Any]) -> list[str]:
    """The heavy user's searches (a keyset first page with its X-Total-Count) beside their first page."""
    searches = scale.get("searches")
    if not searches:
        return []
    heavy = scale["first_page_ms"]["heavy"]
    rows = []
    for name, s in searches.items():
        ms, ratio = s["ms"], s["ratio"]
        rows.append([name, f"`{s['term']}`", f"{ms:.2f}", f"{1000 / ms:,.0f}", f"{ratio:.2f}x", verdict(ratio <= 3)])
    return [
        f"The heavy user's search, first page with its count, beside their first page ({heavy:.2f} ms, "
        f"{1000 / heavy:,.0f} req/s in one process; target ≤ 3x):",
        "",
        markdown_table(["search", "term", "ms", "req/s (one process)", "/ first page", "verdict"], rows),
        "",
    ]


def scale_section(scale: dict[str, Any] | None) -> list[str]:
    if not scale:
        return ["## Scale (PostgreSQL)", "", "Not run.", ""]
    if "skipped" in scale:
        return ["## Scale (PostgreSQL)", "", f"Skipped: {scale['skipped']}.", ""]
    first, ratio = scale["first_page_ms"], scale["first_page_ratio"]
    lines = [
        f"## Scale: PostgreSQL, {scale['rows']:,} tasks, one user with {scale['heavy_tasks']:,}",
        "",
        f"First page (50 tasks, in-process): {scale['heavy_tasks']:,}-task user {first['heavy']:.2f} ms, "
        f"{scale['light_tasks']}-task user {first['light']:.2f} ms: **{ratio:.2f}x** "
        f"(target ≤ 2x: {verdict(ratio <= 2)}).",
        "",
        *search_lines(scale),
        "Deep pages of the heavy user (50 tasks each, in-process):",
        "",
        markdown_table(
            ["depth", "?offset= ms", "?after= (keyset) ms"],
            [[f"{d['depth']:,}", f"{d['offset_ms']:.2f}", f"{d['keyset_ms']:.2f}"] for d in scale["deep_pages"]],
        ),
        "",
        "Query plans on the list path (`EXPLAIN ANALYZE`):",
        "",
    ]
    for name, plan in scale["explain"].items():
        lines += [f"**{name}**", "", "```", plan, "```", ""]
    return lines
