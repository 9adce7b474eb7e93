"""Writing a `NetworkData` as a data folder, in the CSV schema of `sim.risk.schema`.

What `weishang export-data` makes of a run: a regulator, or a test, can then read it back with
`read_data` and score it as real data, which shows the one code path takes both.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd

from sim.common.files import atomic_folder
from sim.risk.schema import DATE_COLUMNS, FRAMES, NetworkData


def write_data(data: NetworkData, folder: Path) -> None:
    """Write the four CSV files and period.csv into `folder`, atomically (an existing folder is replaced)."""
    def iso(days: pd.Series) -> pd.Series:
        table = {d: (data.start_date + timedelta(days=int(d))).isoformat() for d in days.unique() if d >= 0}
        return days.map(table).astype(object).where(days >= 0, "")

    def build(tmp: Path) -> None:
        for name in FRAMES:
            frame = getattr(data, name).copy()
            for column in frame.columns:
                if column in DATE_COLUMNS:
                    frame[column] = iso(frame[column])
                elif frame[column].dtype == bool:
                    frame[column] = frame[column].map({True: "true", False: "false"})
            frame.rename(columns=DATE_COLUMNS).to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        last = data.start_date + timedelta(days=data.days - 1)
        (tmp / "period.csv").write_text(f"start_date,end_date\n{data.start_date.isoformat()},"
                                        f"{last.isoformat()}\n", encoding="utf-8")

    atomic_folder(Path(folder), build, force=True)
