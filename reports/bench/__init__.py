"""The province-scale benchmark (issue 7): ``manage.py bench`` generates a province with its
dossiers in SQL (``generate``) and measures the figures, exports, list pages, intake, memory and
imports against the targets (``measure``); ``document`` writes the JSON and docs/benchmarks.md.

Run it through ``make bench`` (scripts/bench.sh): a throwaway PostgreSQL, never the suite's.
"""
