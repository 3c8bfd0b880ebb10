"""The HTML report: self-contained, every image decodes, every metric shown."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import pytest
from matplotlib import image

from modelyard.exceptions import ModelyardError, PlotError
from modelyard.plots.accessors import ResultPlots

DATA_PLOTS = ["target_association", "missing_data"]


class Report(HTMLParser):
    """What a report holds: its images and captions by figure id, table cells, every URL it
    names, and the rows of its "how each plot was computed" table by plot."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.images: dict[str, str] = {}
        self.captions: dict[str, str] = {}
        self.cells: list[str] = []
        self.urls: list[str] = []
        self.samples: dict[str, list[str]] = {}
        self._figure: str | None = None
        self._sample: str | None = None
        self._in_cell = self._in_caption = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figure = attrs["id"]
        if tag == "img":
            self.images[self._figure] = attrs["src"]
        if tag == "tr" and (attrs.get("id") or "").startswith("sample-"):
            self._sample = attrs["id"].removeprefix("sample-")
            self.samples[self._sample] = []
        if tag == "td" and self._sample is not None:
            self.samples[self._sample].append("")
        self.urls += [attrs[a] for a in ("src", "href") if a in attrs]
        self._in_cell = tag in ("td", "th")
        self._in_caption = tag == "figcaption"

    def handle_data(self, data):
        if self._in_cell:
            self.cells.append(data)
            if self._sample is not None and self.samples[self._sample]:
                self.samples[self._sample][-1] = data
        if self._in_caption:
            self.captions[self._figure] = data

    def handle_endtag(self, tag):
        self._in_cell = self._in_caption = False
        if tag == "tr":
            self._sample = None


@pytest.fixture(scope="module")
def binary_report(binary_result, tmp_path_factory):
    path = binary_result.report(tmp_path_factory.mktemp("report") / "report.html")
    return Report(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regression_report(regression_result, tmp_path_factory):
    path = regression_result.report(tmp_path_factory.mktemp("report") / "report.html")
    return Report(path.read_text(encoding="utf-8"))


def decoded(src: str):
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    return image.imread(io.BytesIO(base64.b64decode(src[len(prefix) :])), format="png")


def test_a_classifier_report_holds_every_plot_that_fits_and_the_data_plots(
    binary_result, binary_report
):
    assert list(binary_report.images) == binary_result.plot.available() + DATA_PLOTS


def test_a_regressor_report_holds_the_regressor_plots(regression_report):
    assert list(regression_report.images) == [
        "prediction_error",
        "residuals",
        "feature_importance",
        "permutation_importance",
        "learning_curve",
        "validation_curve",
        *DATA_PLOTS,
    ]


def test_every_image_in_the_report_decodes_as_a_picture(binary_report, regression_report):
    for report in (binary_report, regression_report):
        for name, src in report.images.items():
            pixels = decoded(src)
            assert pixels.shape[0] > 100 and pixels.shape[1] > 100, name
            assert pixels.std() > 0, f"{name} is blank"


def test_every_metric_is_in_the_report(binary_result, binary_report):
    for name, value in binary_result.metrics.items():
        position = binary_report.cells.index(name)
        assert binary_report.cells[position + 1] == f"{value:.4f}"


def test_the_report_names_no_file_or_address_outside_itself(binary_report):
    assert binary_report.urls
    assert all(url.startswith("data:image/png;base64,") for url in binary_report.urls)


def test_the_model_card_summary_names_estimator_features_rows_and_versions(
    binary_result, binary_report
):
    cells = binary_report.cells
    assert "sklearn.pipeline.Pipeline" in cells
    assert f"{binary_result.n_train} training, {binary_result.n_test} test" in cells
    assert any(c.startswith("mean radius (float64), mean texture (float64)") for c in cells)
    assert any("scikit-learn 1." in c for c in cells)
    assert "features (30)" in cells


def test_plots_that_do_not_fit_are_listed_with_the_reason(no_proba_result, tmp_path):
    text = no_proba_result.report(tmp_path / "r.html").read_text()

    assert (
        "roc_curve needs predicted probabilities and Pipeline(... RidgeClassifier) "
        "has no predict_proba" in text
    )
    assert 'id="confusion_matrix"' in text


def test_a_plot_that_fails_is_listed_and_the_report_still_written(
    regression_result, tmp_path, monkeypatch
):
    def broken(self, **kwargs):
        raise RuntimeError("solver diverged")

    monkeypatch.setattr(ResultPlots, "residuals", broken)

    with pytest.warns(UserWarning, match="report plot residuals failed"):
        path = regression_result.report(tmp_path / "r.html", plots=["residuals", "missing_data"])

    report = Report(path.read_text())
    assert list(report.images) == ["missing_data"]
    assert "RuntimeError: solver diverged" in report.cells


def test_a_chosen_subset_of_plots_is_drawn(regression_result, tmp_path):
    path = regression_result.report(tmp_path / "sub" / "r.html", plots=["residuals"])

    assert list(Report(path.read_text()).images) == ["residuals"]


def test_an_unknown_plot_name_is_refused_with_the_choices(regression_result, tmp_path):
    with pytest.raises(PlotError, match="unknown report plot 'roc'; choose from confusion_matrix"):
        regression_result.report(tmp_path / "r.html", plots=["roc"])
    assert not (tmp_path / "r.html").exists()


def test_a_plot_that_does_not_fit_is_refused(regression_result, tmp_path):
    with pytest.raises(PlotError, match="roc_curve is a classifier plot"):
        regression_result.report(tmp_path / "r.html", plots=["roc_curve"])


def test_a_folder_as_the_report_path_is_refused(regression_result, tmp_path):
    with pytest.raises(ModelyardError, match="is a folder; give the report a file name"):
        regression_result.report(tmp_path, plots=["residuals"])


def test_an_unwritable_path_is_an_error_that_leaves_nothing_behind(regression_result, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")

    with pytest.raises(ModelyardError, match="cannot write the report to"):
        regression_result.report(blocker / "r.html", plots=["residuals"])
    assert list(tmp_path.iterdir()) == [blocker]


def test_text_in_the_report_is_escaped(regression_result, tmp_path):
    from dataclasses import replace

    named = replace(regression_result, model_name="<script>alert(1)</script>")

    text = named.report(tmp_path / "r.html", plots=["residuals"]).read_text()

    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_cross_validated_report_shows_mean_and_spread_and_the_out_of_fold_plots(
    regression_data, tmp_path
):
    from sklearn.linear_model import Ridge

    from modelyard import Model

    result = Model(Ridge()).score(regression_data, cv=3, run_dir=tmp_path)

    report = Report(result.report(tmp_path / "r.html").read_text())

    assert list(report.images) == ["prediction_error", "residuals"]
    r2 = f"{result.metrics['r2']:.4f} ± {result.std['r2']:.4f}"
    assert report.cells[report.cells.index("r2") + 1] == r2
    assert f"3-fold cross-validation over {len(regression_data.x)} rows" in report.cells


# -- the costly plots: fast (a stated sample) and full ---------------------------------


def test_the_report_records_the_rows_each_costly_plot_used(binary_result, tmp_path):
    of_all = binary_result.n_train + binary_result.n_test
    path = binary_result.report(tmp_path / "r.html", max_rows=120)

    samples = Report(path.read_text()).samples

    # rows used, of rows, folds, repeats
    assert samples == {
        "calibration_curve": ["120", str(binary_result.n_test), "", ""],
        "permutation_importance": ["120", str(binary_result.n_test), "", "3"],
        "learning_curve": ["120", str(of_all), "2", ""],
        "validation_curve": ["120", str(of_all), "2", ""],
    }


def test_each_sampled_plot_says_its_sample_in_its_caption(binary_result, tmp_path):
    path = binary_result.report(tmp_path / "r.html", plots=["learning_curve"], max_rows=120)

    caption = Report(path.read_text()).captions["learning_curve"]

    of_all = binary_result.n_train + binary_result.n_test
    assert caption == f"Learning curve, on 120 of {of_all} rows, 2 folds"


def test_the_full_report_computes_every_costly_plot_on_every_row(binary_result, tmp_path):
    plots = ["permutation_importance", "learning_curve"]
    path = binary_result.report(tmp_path / "r.html", plots=plots, mode="full", max_rows=120)

    samples = Report(path.read_text()).samples

    of_all = binary_result.n_train + binary_result.n_test
    assert samples["learning_curve"][:2] == [str(of_all), str(of_all)]
    assert samples["permutation_importance"] == [str(binary_result.n_test)] * 2 + ["", "5"]


def test_a_report_without_costly_plots_has_no_sample_table(regression_result, tmp_path):
    path = regression_result.report(tmp_path / "r.html", plots=["residuals"])

    assert 'id="samples"' not in path.read_text()


def test_an_unknown_report_mode_is_refused_with_the_choices(regression_result, tmp_path):
    with pytest.raises(ModelyardError, match="report mode 'quick' is unknown; choose fast or full"):
        regression_result.report(tmp_path / "r.html", plots=["residuals"], mode="quick")


# -- the fast report's budget -----------------------------------------------------------

COSTLY = ["permutation_importance", "learning_curve", "validation_curve"]


def left_out(path) -> dict[str, str]:
    """The plots of the "Left out of the fast report" table, and why each was left out."""
    text = path.read_text()
    if 'id="left-out"' not in text:
        return {}
    table = text[text.index('id="left-out"') :]
    cells = Report(table[: table.index("</table>")]).cells
    return dict(zip(cells[2::2], cells[3::2], strict=True))


def test_a_spent_budget_leaves_out_the_costly_plots_and_says_how_to_draw_them(
    binary_result, tmp_path
):
    path = binary_result.report(tmp_path / "r.html", max_rows=120, budget=0)

    drawn = Report(path.read_text()).images
    assert not set(COSTLY) & set(drawn)
    assert "calibration_curve" in drawn and "roc_curve" in drawn
    why = left_out(path)
    assert list(why) == COSTLY
    assert why["learning_curve"] == (
        "the fast report's budget of 0.0 s was spent; draw it with --report full "
        "or result.plot.learning_curve()"
    )


def test_a_budget_leaves_nothing_out_of_a_table_that_fits_in_the_sample(binary_result, tmp_path):
    path = binary_result.report(tmp_path / "r.html", budget=0)  # 569 rows, a sample of 1,000

    assert set(COSTLY) <= set(Report(path.read_text()).images)
    assert left_out(path) == {}


def test_a_costly_plot_is_left_out_when_its_estimate_is_more_than_the_budget_left(
    binary_result, tmp_path, monkeypatch
):
    from modelyard.plots import registry

    # Each refit is said to take 10 s and each prediction nothing.
    monkeypatch.setattr(registry, "probe", lambda result, rows: registry.Probe(10.0, 0.0, 30))
    path = binary_result.report(tmp_path / "r.html", max_rows=120, budget=60)

    drawn = Report(path.read_text()).images
    assert "permutation_importance" in drawn
    why = left_out(path)
    assert list(why) == ["learning_curve", "validation_curve"]
    assert why["learning_curve"].startswith("it would take about 60.0 s, and ")  # 2 folds x 3


def test_the_full_report_has_no_budget(binary_result, tmp_path):
    path = binary_result.report(tmp_path / "r.html", plots=COSTLY, mode="full", budget=0)

    assert list(Report(path.read_text()).images) == COSTLY


def test_a_probe_times_one_fit_and_one_prediction_on_the_sample(binary_result):
    from modelyard.plots import registry

    found = registry.probe(binary_result, 120)

    assert found.fit > 0 and found.predict > 0
    assert found.columns == binary_result.split.x_test.shape[1]
