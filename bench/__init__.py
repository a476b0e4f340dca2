"""ResourceLink benchmark: ``make bench`` (``python -m bench``).

Generates a synthetic district (100 communities, 50,000 resources by
default) on SQLite and on PostgreSQL, then measures, in-process with Django's
test client (server time, no network), the p50/p95 latency and SQL query
count of the resource list page, a combined text + category + distance
search, the map data endpoint and the API list, and the time to import a
10,000-row XLSX file. On the same district it adds 40,000 households,
100,000 needs and 5,000 supply lines (``bench.needs_district``) and measures
an allocation over all of them: end to end, the bare OR-Tools solve of the
same network, the greedy baseline and the peak memory (``bench.allocation``).
On the needs district it also measures the need list (100,000 open needs,
varied filters and pages deep into the list), the needs dashboard and the
suggestions for one need (needs of every breadth, up to some 7,000
candidates among the 50,000 resources). In the district's store room
(``bench.store_district``: 4 stores, 2,000 lots, 1,000,000 stock moves) it
measures the on-hand figures, the stock page, the lot list and the stock
ledger (``bench.store``); over the needs district's households it generates
a distribution plan for some 20,000 recipients from 200 lots, approves it and
records 1,000 hand-overs in bulk (``bench.distribution``). It prints the
tables, says whether each target is met and writes the figures to
bench/results/latest.json. ``python -m bench --only allocation`` (or
``pages``: every page, ``needs``: the three needs pages, ``store``: the
store-room pages, ``distribution``, ``import``) measures one part alone.

A benchmark measures and reports; it does not assert. Django settings are per
process, so the parent process runs one child per database (and one more per
database for the import, on a throw-away database).
"""
