"""Times the reference's own training pipelines on request, for bench/train.ts's interleaved rounds.

The pipelines, data loading and fitting come from ../shared/anchors/reference_ml.py itself (imported,
not copied): `make_models`, `load_dataset`, `fit_quiet`, `clone` and its clock `now`. The training rows
are the reference's own split (split_<dataset>.json of its artifacts folder).

    python3 bench/reference-fit-timer.py <anchors dir> <artifacts dir>

Reads lines "<dataset> <model> <repeats>" on stdin (e.g. "agaricus logreg 3") and answers each with one
JSON line: the wall time of each fit, in seconds. One process serves every round, so Python, pandas and
scikit-learn are loaded (and warm) once, as in the reference's own run.
"""

import importlib.util
import json
import sys


def main():
    anchors, artifacts = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location("reference_ml", f"{anchors}/reference_ml.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    loaded = {}

    def training_rows(name):
        if name not in loaded:
            _df, X, y, cat_cols, num_cols, _info = ref.load_dataset(name, True)
            with open(f"{artifacts}/split_{name}.json", encoding="utf-8") as f:
                train_idx = json.load(f)["train_idx"]
            loaded[name] = (X.iloc[train_idx], y[train_idx], cat_cols, num_cols)
        return loaded[name]

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        name, model, repeats = words[0], words[1], int(words[2])
        X_tr, y_tr, cat_cols, num_cols = training_rows(name)
        base = ref.make_models(cat_cols, num_cols)[model]
        times = []
        for _ in range(repeats):
            m = ref.clone(base)
            t0 = ref.now()
            ref.fit_quiet(m, X_tr, y_tr)
            times.append(ref.now() - t0)
        print(json.dumps(times), flush=True)


if __name__ == "__main__":
    main()
