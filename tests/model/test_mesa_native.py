"""Mesa 3.5's own conventions work on the model: rng= and seed=, model.datacollector, batch_run."""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pytest

from infosim.model import MODEL_REPORTERS, InfoConsumptionModel


def test_rng_and_seed_are_the_same_thing_and_none_draws_fresh_entropy() -> None:
    a = InfoConsumptionModel("baseline", rng=3, households=500, months=2)
    b = InfoConsumptionModel("baseline", seed=3, households=500, months=2)
    assert a.seed == b.seed == 3
    a.run()
    b.run()
    assert a.timeseries().equals(b.timeseries())
    fresh = {InfoConsumptionModel("baseline", households=200, months=1).seed for _ in range(3)}
    assert len(fresh) == 3
    with pytest.raises(ValueError, match="either seed or rng"):
        InfoConsumptionModel("baseline", seed=1, rng=1, households=200)
    with pytest.raises(ValueError, match="non-negative"):
        InfoConsumptionModel("baseline", seed=-1, households=200)


def test_datacollector_holds_the_headline_series_month_by_month() -> None:
    model = InfoConsumptionModel("jiangsu_2020", rng=np.random.default_rng(5), households=1_000, months=3)
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(MODEL_REPORTERS)
    assert len(frame) == 3
    ts = model.timeseries()
    assert frame["users_5g_network"].tolist() == ts["users_5g_network"].tolist()


@pytest.mark.slow
def test_mesa_batch_run_returns_a_tidy_frame_out_of_the_box() -> None:
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa 3.5 deprecates iterations= for rng=
        rows = mesa.batch_run(
            InfoConsumptionModel,
            parameters={"scenario": ["baseline", "jiangsu_2020"], "households": 5000},
            iterations=3,
            max_steps=24,
            display_progress=False,
        )
    frame = pd.DataFrame(rows)
    assert len(frame) == 6
    assert set(frame["scenario"]) == {"baseline", "jiangsu_2020"}
    assert (frame["Step"] == 24).all()
    assert {"users_5g_network", "fiscal_spend_yuan"} <= set(frame.columns)
    package = frame.groupby("scenario")["fiscal_spend_yuan"].mean()
    assert package["jiangsu_2020"] > 0 and package["baseline"] == 0
