"""vidverify's tests, laid out like the package: tests/signals/ tests src/vidverify/signals/, tests/pipeline/index/
tests src/vidverify/pipeline/index/, and so on; tests/robustness/ (bad and hostile input, faults, fuzzing) and
tests/docs/ (the README) cut across the package; tests/tools/ tests tools/; tests/benchmarks/ tests the benchmarks'
own logic (expected answers, scoring) without their media."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The project's folder (README.md, examples/, benchmarks/, docs/)."""
