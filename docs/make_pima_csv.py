"""Write ``resources/examples/pima_diabetes.csv``: a synthetic stand-in for the
Pima Indians diabetes table that Keras tutorials start with.

The real table cannot ship with guinet (nothing is downloaded, and its terms
are unclear), so this one is *generated*: 768 made-up women with the real
table's nine columns, ranges and rough averages, and an ``Outcome`` drawn from
a logistic rule of glucose, BMI, pedigree, age and pregnancies, so that a small
network, like logistic regression, gets about three in four right — as on the
real data. As there, ``SkinThickness`` and ``Insulin`` are 0 where "not
measured". No row describes a real person.

    python docs/make_pima_csv.py        # rewrites the CSV (same seed, same file)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

COLUMNS = (
    "Pregnancies",
    "Glucose",
    "BloodPressure",
    "SkinThickness",
    "Insulin",
    "BMI",
    "DiabetesPedigreeFunction",
    "Age",
    "Outcome",
)
TARGET = Path(__file__).resolve().parent.parent / "resources/examples/pima_diabetes.csv"


def make_rows(samples: int = 768, seed: int = 0) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(seed)
    age = np.clip(21 + rng.gamma(1.6, 7.5, samples), 21, 81).round()
    pregnancies = np.clip(rng.poisson(1.9 + 0.16 * (age - 21)), 0, 17)
    bmi = np.clip(rng.normal(32.0, 6.8, samples), 18.2, 67.1).round(1)
    pedigree = np.clip(rng.lognormal(-0.95, 0.6, samples), 0.078, 2.42).round(3)
    pressure = np.clip(
        rng.normal(69 + 0.25 * (age - 33) + 0.3 * (bmi - 32), 11.5), 40, 122
    ).round()
    skin = np.clip(rng.normal(0.9 * bmi - 0.5, 7.5), 7, 99).round()
    glucose = np.clip(
        rng.normal(120 + 0.35 * (age - 33) + 0.6 * (bmi - 32), 27), 44, 199
    ).round()
    insulin = np.clip(
        rng.lognormal(np.log(60 + 0.9 * (glucose - 70)), 0.45), 14, 846
    ).round()
    logit = (
        -0.85
        + 0.038 * (glucose - 120)
        + 0.085 * (bmi - 32)
        + 0.95 * (pedigree - 0.47)
        + 0.018 * (age - 33)
        + 0.09 * (pregnancies - 3.8)
    )
    outcome = (rng.uniform(size=samples) < 1 / (1 + np.exp(-logit))).astype(int)
    # as in the real table: skin folds and insulin often not measured (0)
    skin[rng.uniform(size=samples) < 0.29] = 0
    insulin[rng.uniform(size=samples) < 0.48] = 0
    return list(
        zip(
            pregnancies.astype(int),
            glucose.astype(int),
            pressure.astype(int),
            skin.astype(int),
            insulin.astype(int),
            bmi,
            pedigree,
            age.astype(int),
            outcome,
            strict=True,
        )
    )


def csv_text(samples: int = 768, seed: int = 0) -> str:
    lines = [",".join(COLUMNS)]
    for row in make_rows(samples, seed):
        *ints, bmi, pedigree, age, outcome = row
        lines.append(
            ",".join(
                [*(str(int(v)) for v in ints), f"{bmi:.1f}", f"{pedigree:.3f}"]
                + [str(int(age)), str(int(outcome))]
            )
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    TARGET.write_text(csv_text(), encoding="utf-8", newline="\n")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
