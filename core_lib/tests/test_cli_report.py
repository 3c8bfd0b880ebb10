"""modelyard score writes the run's HTML report beside its record and says where."""

from __future__ import annotations

from pathlib import Path

from modelyard.cli import main


def test_score_writes_the_report_beside_the_run_record_and_prints_where(report_project, capsys):
    assert main(["score"]) == 0

    record = next((report_project / "runs").glob("*-score-*.json"))
    report = record.with_suffix(".html")
    assert report.is_file()
    assert f"report written to runs/{report.name}" in capsys.readouterr().out
    assert 'id="roc_curve"' in report.read_text()


def test_a_report_that_cannot_be_written_warns_and_keeps_the_scores(
    report_project, capsys, monkeypatch
):
    # The run folder passed the check before fitting; only the report's own path is blocked.
    (report_project / "blocked").write_text("a file where a folder should be")
    monkeypatch.setattr(
        "modelyard.report.default_report_path", lambda result, run_dir: Path("blocked/r.html")
    )

    assert main(["score"]) == 0

    captured = capsys.readouterr()
    assert "accuracy" in captured.out
    assert "modelyard: warning: report not written: cannot write the report to" in captured.err


def test_score_with_report_none_writes_no_report(report_project, capsys):
    assert main(["score", "--report", "none"]) == 0

    assert not list((report_project / "runs").glob("*.html"))
    assert "report written" not in capsys.readouterr().out


def test_the_report_setting_chooses_the_report_and_the_flag_overrides_it(report_project):
    with (report_project / "pyproject.toml").open("a") as file:
        file.write('report = "none"\n')

    assert main(["score"]) == 0
    assert not list((report_project / "runs").glob("*.html"))

    assert main(["score", "--report", "full"]) == 0
    (report,) = (report_project / "runs").glob("*.html")
    assert '<tr id="sample-learning_curve"><th>learning_curve</th><td class="num">569<' in (
        report.read_text()
    )
