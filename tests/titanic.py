"""A Titanic-like CSV for tests: the real columns, realistic values and gaps.

The file has the columns of the Kaggle ``train.csv`` every course uses
(PassengerId, Survived, Pclass, Name, Sex, Age, SibSp, Parch, Ticket, Fare,
Cabin, Embarked), its first rows as they are, and generated rows after them
with the same traits: a row number as PassengerId, a unique name per row,
tickets that are mostly numbers with some prefixed ones ('A/5 21171',
'PC 17599'), about a fifth of the ages and most cabins missing, a couple of
missing ports, and survival that depends on sex and class.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

COLUMNS = [
    "PassengerId",
    "Survived",
    "Pclass",
    "Name",
    "Sex",
    "Age",
    "SibSp",
    "Parch",
    "Ticket",
    "Fare",
    "Cabin",
    "Embarked",
]

FIRST_ROWS = [
    [1, 0, 3, "Braund, Mr. Owen Harris", "male", 22, 1, 0, "A/5 21171", 7.25, "", "S"],
    [2, 1, 1, "Cumings, Mrs. John Bradley (Florence Briggs Thayer)", "female", 38,
     1, 0, "PC 17599", 71.2833, "C85", "C"],
    [3, 1, 3, "Heikkinen, Miss. Laina", "female", 26, 0, 0, "STON/O2. 3101282",
     7.925, "", "S"],
    [4, 1, 1, "Futrelle, Mrs. Jacques Heath (Lily May Peel)", "female", 35, 1, 0,
     "113803", 53.1, "C123", "S"],
    [5, 0, 3, "Allen, Mr. William Henry", "male", 35, 0, 0, "373450", 8.05, "", "S"],
    [6, 0, 3, "Moran, Mr. James", "male", "", 0, 0, "330877", 8.4583, "", "Q"],
]  # fmt: skip

SURNAMES = [
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Martin",
    "Thompson",
    "Wood",
    "Lewis",
    "Scott",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Hill",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Peterson",
    "Gray",
]
MEN = [
    "John",
    "William",
    "James",
    "George",
    "Charles",
    "Thomas",
    "Henry",
    "Arthur",
    "Frederick",
    "Joseph",
]
WOMEN = [
    "Mary",
    "Anna",
    "Elizabeth",
    "Margaret",
    "Helen",
    "Alice",
    "Ellen",
    "Florence",
    "Edith",
    "Ada",
]
PREFIXES = ("A/5", "PC", "STON/O2.", "C.A.", "SOTON/O.Q.", "W./C.", "CA", "S.O.C.")


def titanic_rows(n: int = 891, seed: int = 0) -> list[list[object]]:
    """``n`` rows: the real first six, then generated ones like them."""
    rng = np.random.default_rng(seed)
    rows = [list(r) for r in FIRST_ROWS[:n]]
    for pid in range(len(rows) + 1, n + 1):
        pclass = int(rng.choice([1, 2, 3], p=[0.24, 0.21, 0.55]))
        female = bool(rng.random() < 0.35)
        surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
        first = (WOMEN if female else MEN)[int(rng.integers(10))]
        title = ("Mrs." if rng.random() < 0.5 else "Miss.") if female else "Mr."
        name = f"{surname}, {title} {first} {pid}"  # unique, as real names are
        age: object = round(float(np.clip(rng.normal(29, 14), 0.42, 80)), 1)
        if rng.random() < 0.2:
            age = ""
        if rng.random() < 0.25:
            prefix = PREFIXES[int(rng.integers(len(PREFIXES)))]
            ticket = f"{prefix} {int(rng.integers(1000, 3999999))}"
        else:
            ticket = str(int(rng.integers(1000, 399999)))
        fare = round(float(rng.gamma(2.0, {1: 40.0, 2: 10.0, 3: 4.0}[pclass])), 4)
        cabin = ""
        if rng.random() < (0.8 if pclass == 1 else 0.08):
            deck = "ABCDEFG"[int(rng.integers(7))]
            cabin = f"{deck}{int(rng.integers(1, 150))}"
            if rng.random() < 0.1:
                cabin += f" {deck}{int(rng.integers(1, 150))}"
        embarked = str(rng.choice(["S", "C", "Q"], p=[0.72, 0.19, 0.09]))
        chance = (0.74 if female else 0.19) + {1: 0.15, 2: 0.0, 3: -0.12}[pclass]
        survived = int(rng.random() < chance)
        rows.append([
            pid, survived, pclass, name, "female" if female else "male", age,
            int(rng.choice([0, 0, 0, 1, 1, 2, 3])), int(rng.choice([0, 0, 0, 1, 2])),
            ticket, fare, cabin, embarked,
        ])  # fmt: skip
    if n > 62:
        rows[61][11] = ""  # two passengers with no port, as in the real file
    if n > 829:
        rows[829][11] = ""
    return rows


def write_titanic(path: Path, n: int = 891, seed: int = 0) -> Path:
    """Write the Titanic-like CSV (quoted names, empty cells for gaps)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(titanic_rows(n, seed))
    return path
