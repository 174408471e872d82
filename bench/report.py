"""Turns a run's JSON into the Markdown of bench/RESULTS.md: every figure beside its target."""

from __future__ import annotations

from typing import Any

from .common import markdown_table

# Best figures of the two reference stacks (FastAPI+PyJWT, DRF+simplejwt), requests/s, same wrk settings.
REFERENCE_RPS = {"GET list (20 tasks)": 397, "GET single task": 645, "401, no token": 4630}
TARGET_FACTOR = {"GET list (20 tasks)": 2, "GET single task": 2, "401, no token": 1}


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
    lines += http_section(results.get("http"))
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


def http_section(http: dict[str, Any] | None) -> list[str]:
    if not http:
        return ["## HTTP load", "", "Not run.", ""]
    lines = ["## HTTP load: gunicorn, 2 sync workers, SQLite, `wrk -t1 -c16`", ""]
    if "load" in http:
        rows = []
        for name, r in http["load"].items():
            target = ""
            if name in REFERENCE_RPS:
                goal = REFERENCE_RPS[name] * TARGET_FACTOR[name]
                target = f"≥ {goal:,} req/s: {verdict(r['rps'] >= goal)}"
            elif name == "POST create":
                target = f"p99 ≤ 150 ms, no errors: {verdict(r['p99_ms'] <= 150 and r['errors'] == 0)}"
            rows.append(
                [
                    name,
                    f"{r['rps']:,.0f}",
                    f"{r['p50_ms']:.1f}",
                    f"{r['p99_ms']:.1f}",
                    r["errors"],
                    r["requests"],
                    target,
                ]
            )
        lines += [markdown_table(["scenario", "req/s", "p50 ms", "p99 ms", "errors", "requests", "target"], rows), ""]
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
