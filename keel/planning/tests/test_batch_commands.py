"""``keel forecast`` and ``keel inventory-policy``: exact outputs and per-row problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from keel import cli


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_forecast_with_integer_periods_and_a_fixed_method(tmp_path: Path) -> None:
    # Given two series indexed 1..6 (B has a gap at 3: zero demand) and SES
    source = _write(tmp_path / "history.csv", "series_id,period,quantity\n"
                    "A,1,10\nA,2,12\nA,3,11\nA,4,13\nA,5,12\nA,6,14\n"
                    "B,1,4\nB,2,0\nB,4,6\nB,5,2\nB,6,0\n")
    output, accuracy = tmp_path / "forecast.csv", tmp_path / "accuracy.csv"
    # When forecasting 2 periods with simple exponential smoothing and an 80% interval
    call_command("keel_forecast", str(source), "--horizon", "2", "--method", "ses", "--level", "80",
                 "--output", str(output), "--accuracy", str(accuracy))
    # Then each series continues from its last period with its backtest's best alpha
    # (per series: T = 6, so 5 origins and 2 leads; A prefers alpha 0.6, B 0.3, as a per-series
    # refit shows; MASE is blank: one period before the first origin gives no naive scale)
    assert output.read_bytes().decode() == (
        "series_id,period,forecast,lower_80,upper_80\r\n"
        "A,7,13.2371,11.3005,15.1737\r\n"
        "A,8,13.2371,11.3005,15.1737\r\n"
        "B,7,1.9743,0.0000,6.0062\r\n"
        "B,8,1.9743,0.0000,6.0062\r\n"
    )
    assert accuracy.read_bytes().decode() == (
        "series_id,method,mase,wape,bias,one_step_sd\r\n"
        "A,ses(alpha=0.6),,0.1049,-0.0972,1.5111\r\n"
        "B,ses(alpha=0.3),,1.5778,0.6678,3.1461\r\n"
    )


def test_forecast_with_weekly_dates_continues_weekly(tmp_path: Path) -> None:
    source = _write(tmp_path / "history.csv", "series_id,period,quantity\n"
                    + "".join(f"X,2026-01-{day:02d},{quantity}\n"
                              for day, quantity in ((5, 3), (12, 0), (19, 0), (26, 4)))
                    + "X,2026-02-02,0\nX,2026-02-09,2\n")
    output = tmp_path / "forecast.csv"
    call_command("keel_forecast", str(source), "--horizon", "2", "--method", "naive", "--output", str(output))
    rows = output.read_text().splitlines()
    assert rows[0] == "series_id,period,forecast,lower_80,upper_80,lower_95,upper_95"
    assert [row.split(",")[:3] for row in rows[1:]] == [["X", "2026-02-16", "2.0000"], ["X", "2026-02-23", "2.0000"]]


def test_forecast_reports_every_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    source = _write(tmp_path / "history.csv", "series_id,period,quantity\n"
                    "A,1,x\nA,2026-01-01,3\n,3,-1\nA,4,2\nA,4,5\n")
    output = tmp_path / "forecast.csv"
    with pytest.raises(CommandError) as raised:
        call_command("keel_forecast", str(source), "--horizon", "2", "--output", str(output))
    assert str(raised.value) == (
        "Nothing was written: the file has problems.\n"
        "  row 2, column quantity: 'x' is not a number\n"
        "  row 3, column period: '2026-01-01' is a date but the first period is a number\n"
        "  row 4, column series_id: is empty\n"
        "  row 4, column quantity: demand cannot be negative\n"
        "  row 6, column period: 4 of series 'A' is also on row 5"
    )
    assert not output.exists()


def test_forecast_refuses_a_series_too_short_for_the_method(tmp_path: Path) -> None:
    source = _write(tmp_path / "history.csv", "series_id,period,quantity\nA,1,3\nA,2,4\nA,3,5\nB,1,1\n")
    with pytest.raises(CommandError, match="row 5, column period: series 'B' has 1 period; auto needs at least 2"):
        call_command("keel_forecast", str(source), "--horizon", "2", "--output", str(tmp_path / "out.csv"))
    with pytest.raises(CommandError, match="--method holt_winters needs --season-length"):
        call_command("keel_forecast", str(source), "--horizon", "2", "--method", "holt_winters",
                     "--output", str(tmp_path / "out.csv"))


POLICY_INPUT = (
    "item,model,demand_mean,demand_sd,lead_time,review_period,ordering_cost,holding_cost,stockout_cost,"
    "service_level,fill_rate\n"
    "E1,eoq,1300,,,,8,0.225,,,\n"
    "N1,newsvendor_normal,50,8,,,,0.18,0.7,,\n"
    "B1,base_stock_normal,10,3,3,2,20,1,,0.9,\n"
    "R1,rq_normal,100,20,4,,50,0.5,,0.95,\n"
    "S1,ss_normal,100,20,4,,50,0.5,,,0.98\n"
    "M1,minmax,100,20,4,1,50,0.5,,0.95,\n"
    "H1,rq_normal,200,25,2,,50,1,25,,\n"
)


def test_inventory_policy_for_every_model(tmp_path: Path) -> None:
    source, output = _write(tmp_path / "items.csv", POLICY_INPUT), tmp_path / "policies.csv"
    call_command("inventory_policy", str(source), "--output", str(output))
    header = ("item,model,demand_mean,demand_sd,lead_time,review_period,ordering_cost,holding_cost,stockout_cost,"
              "service_level,fill_rate,reorder_point,order_quantity,order_up_to,safety_stock,expected_cost")
    assert output.read_text().splitlines() == [
        header,
        # EOQ: Q* = 304.0468, cost 68.4105 (K = 8, h = 0.225, D = 1300)
        "E1,eoq,1300,,,,8,0.225,,,,,304.0468,,,68.4105",
        # Normal newsvendor: S* = 56.6040, cost 1.9976 (h = 0.18, p = 0.7, N(50, 8))
        "N1,newsvendor_normal,50,8,,,,0.18,0.7,,,,,56.6040,6.6040,1.9976",
        "B1,base_stock_normal,10,3,3,2,20,1,,0.9,,,20.0000,58.5969,8.5969,18.9145",
        "R1,rq_normal,100,20,4,,50,0.5,,0.95,,465.7941,141.4214,,65.7941,103.6078",
        "S1,ss_normal,100,20,4,,50,0.5,,,0.98,443.3909,141.4214,584.8123,43.3909,92.4061",
        "M1,minmax,100,20,4,1,50,0.5,,0.95,,573.5601,141.4214,714.9814,73.5601,107.4907",
        "H1,rq_normal,200,25,2,,50,1,25,,,465.8972,155.8550,,65.8972,221.7522",
    ]


def test_inventory_policy_reports_bad_rows_by_row_and_column(tmp_path: Path) -> None:
    source = _write(tmp_path / "items.csv", "item,model,demand_mean,holding_cost,service_level\n"
                    "X,eoq,10,,0.9\nY,magic,1,1,\nZ,rq_normal,-1,0,1.5\n")
    output = tmp_path / "policies.csv"
    with pytest.raises(CommandError) as raised:
        call_command("inventory_policy", str(source), "--output", str(output))
    assert str(raised.value).splitlines() == [
        "Nothing was written: the file has problems.",
        "  row 2, column ordering_cost: is required by the eoq model",
        "  row 2, column holding_cost: is required by the eoq model",
        "  row 2, column service_level: is not used by the eoq model; leave it blank",
        "  row 3, column model: 'magic' is not one of eoq, newsvendor_normal, base_stock_normal, rq_normal, "
        "ss_normal, minmax",
        "  row 4, column demand_mean: cannot be negative",
        "  row 4, column demand_sd: is required by the rq_normal model",
        "  row 4, column lead_time: is required by the rq_normal model",
        "  row 4, column holding_cost: must be above 0",
        "  row 4, column service_level: must lie strictly between 0 and 1 (0.95 for 95%)",
        "  row 4, column ordering_cost: the rq_normal model needs ordering_cost (for the EOQ) or order_quantity",
    ]
    assert not output.exists()


def test_inventory_policy_with_supplier_rounding_and_a_missing_file(tmp_path: Path) -> None:
    source = _write(tmp_path / "items.csv", "sku,model,demand_mean,ordering_cost,holding_cost,min_order_quantity,"
                    "order_multiple\n=cmd,eoq,1300,8,0.225,500,\nQ2,eoq,1300,8,0.225,,48\n")
    output = tmp_path / "policies.csv"
    call_command("inventory_policy", str(source), "--output", str(output))
    # The minimum lifts 304 to 500 (cost 8*1300/500 + 0.225*500/2); the multiple of 48 rounds it to 336.
    # Text a spreadsheet would run as a formula is written with a leading quote.
    assert output.read_text().splitlines()[1:] == [
        "'=cmd,eoq,1300,8,0.225,500,,,500.0000,,,77.0500",
        "Q2,eoq,1300,8,0.225,,48,,336.0000,,,68.7524",
    ]
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("inventory_policy", str(tmp_path / "nope.csv"), "--output", str(output))


def test_the_keel_command_lists_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "  forecast " in out
    assert "  inventory-policy " in out
