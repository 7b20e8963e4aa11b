"""Interval rollups: 15-minute (and hourly, daily) aggregates that keep reports fast at millions of calls.

Per queue (offered, answered, abandoned, answered/abandoned within each kept wait threshold, wait
and talk sums, longest wait), per agent (time by state, pause reason and wrap-up queue; accepted
calls), per caller queue (first-call resolution flags), per IVR exit node and node (entries and
how they ended, wrong keys) and per dialer campaign outcome. Definitions are the raw report's
(cti/reports), and on periods on the quarter-hour grid the figures are equal to the raw rows'.

Modules: `buckets` (time grains), `deltas` (signed row changes), `visits` / `timeline` / `callers`
/ `counts` (the pure maths, each with its theory of operation), `tables`, `fetch` (windows of raw
rows), `upsert`, `apply` (the writer's hook, exactly once per row), `marks` (are the rollups
complete?), `rebuild` (from raw rows, by day).
"""
