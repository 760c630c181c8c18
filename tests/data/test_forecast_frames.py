"""Forecast frames from cached arrays equal the general frame, for every kind of time column."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.data.calendar import Calendar
from tsrnn.data.forecast_frames import ForecastFrames
from tsrnn.data.frame import future_rows

IDS = np.array(["a", "b"], dtype=object)


@pytest.mark.parametrize(
    ("last", "freq"),
    [
        (pd.Index([10, 20]), [1, 5]),
        (pd.DatetimeIndex(["2000-01-31", "2000-02-29"]).as_unit("s"), ["ME", "ME"]),
        (pd.DatetimeIndex(["2000-01-01 00:00", "2000-01-01 01:00"]).as_unit("ns"), ["h", "30min"]),
        (pd.DatetimeIndex(["2000-01-03", "2000-01-07"]).as_unit("us"), ["B", "B"]),
        (pd.DatetimeIndex(["2000-01-01", "2000-02-01"], tz="Europe/Paris"), ["MS", "MS"]),
    ],
)
def test_template_frames_equal_the_general_frame(last, freq):
    frames, values = ForecastFrames(), np.arange(6.0).reshape(2, 3)
    calendar = Calendar(IDS, last, freq)
    for _ in range(3):  # the template is refilled: the same frame each time, a new object
        got = frames.frame(calendar, 3, values, id_col="unique_id", time_col="ds")
        expected = future_rows(calendar, 3, id_col="unique_id", time_col="ds")
        pd.testing.assert_frame_equal(got, expected.assign(yhat=values.ravel()))
        got["yhat"] = -1.0  # the caller's frame is its own, every column of it
        got.loc[0, "unique_id"] = "zz"
        got.loc[0, "ds"] = got["ds"].iloc[-1]
        calendar = calendar.stepped(np.array([1])) or calendar
        values = values + 1
