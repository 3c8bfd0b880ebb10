"""The ``modelyard`` command: the lifecycle of the current project's model.

Run inside a project whose pyproject.toml has a ``[tool.modelyard]`` table::

    modelyard train              score on a holdout, fit on all data, save a new version
    modelyard score [--cv K] [--report fast|full|none]
                                 holdout (or cross-validated) metrics, recorded, with an HTML
                                 report (fast: its costly plots on a bounded sample)
    modelyard serve [MODEL]      REST API for a saved model (the latest one by default)
    modelyard models list        the models in the store, with their latest version
    modelyard models show NAME[@V]   one version's model card (--contract: its data contract,
                                 --monitoring: its reference sketches)
    modelyard runs list          the runs in the run log, newest first
    modelyard runs show ID       one run record
    modelyard predict MODEL --input FILE --output FILE
                                 score a CSV or Parquet file in chunks
    modelyard predict MODEL --input PARQUET_DIR --output DIR [--scheduler ADDRESS]
                                 score a partitioned dataset as a Dask dataframe
    modelyard search [--save-best]   the search of [tool.modelyard.search]; the top candidates
                                 (--save-best: save the best one as a new version)
    modelyard compare [FACTORY ...]  the candidate models of [tool.modelyard] compare, side by side
    modelyard select METHOD      choose input columns (permutation, rfecv, sequential); --save
    modelyard release            build the project's package with its trained model, upload it
    modelyard sample [--rows N]  write a small sample of the training data for tests and CI
    modelyard monitor MODEL --current FILE [--output report.html] [--fail-on-drift]
                                 drift of production rows against the card's sketches

A user's mistake (bad configuration, a missing model, wrong data) is printed as
one line on stderr with exit status 1, never as a traceback; ``modelyard --debug
COMMAND`` prints the full traceback too. Long commands show their progress on
stderr (a bar on a terminal, a line every few seconds elsewhere); ``--quiet``
(before or after the command) turns it off.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from modelyard import __version__, env
from modelyard.collector import collector_paused
from modelyard.config import REPORT_CHOICES, Settings, load_settings
from modelyard.exceptions import ModelyardError
from modelyard.project import build_dataset, build_model, model_name
from modelyard.result import Result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.handler(args)
    except (ModelyardError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"modelyard: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _show_warning(message: Warning | str, *_: object, **__: object) -> None:
    """Print a warning as one line, as errors are."""
    print(f"modelyard: warning: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelyard", description="Train, score and serve this project's model."
    )
    parser.add_argument("--version", action="version", version=f"modelyard {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the full traceback of an error")
    parser.add_argument("-q", "--quiet", action="store_true", help=QUIET_HELP)
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="fit on all data and save a new model version")
    train.add_argument(
        "--skip-score",
        action="store_true",
        help="do not measure holdout metrics first (the model card then has none)",
    )
    _add_quiet_option(train)
    train.set_defaults(handler=_train)

    score = commands.add_parser("score", help="fit on a training split, report holdout metrics")
    score.add_argument(
        "--cv",
        type=int,
        default=None,
        metavar="K",
        help="cross-validate over K folds instead (default: the cv setting, else a holdout)",
    )
    score.add_argument(
        "--report",
        choices=REPORT_CHOICES,
        default=None,
        help="the HTML report: fast (costly plots on a bounded sample), full (every row) "
        "or none (default: the report setting, else fast)",
    )
    _add_quiet_option(score)
    score.set_defaults(handler=_score)

    _add_models_commands(commands)
    _add_runs_commands(commands)
    _add_search_command(commands)
    _add_compare_command(commands)
    _add_select_command(commands)
    _add_release_command(commands)
    _add_sample_command(commands)

    serve = commands.add_parser("serve", help="serve a saved model over HTTP")
    serve.add_argument(
        "model",
        nargs="?",
        default=env.read("MODELYARD_SERVE_MODEL"),
        help="what `modelyard train` printed (default: $MODELYARD_SERVE_MODEL, else the latest "
        "version of this project's model)",
    )
    # String defaults go through type=int too, so a bad $MODELYARD_PORT is a usage error.
    serve.add_argument(
        "--host",
        default=env.read("MODELYARD_HOST", "127.0.0.1"),
        help="address to listen on (default: $MODELYARD_HOST, else 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=env.read("MODELYARD_PORT", "8000"),
        help="port to listen on (default: $MODELYARD_PORT, else 8000)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=env.read("MODELYARD_WORKERS", "1"),
        help="worker processes (default: $MODELYARD_WORKERS, else 1)",
    )
    _add_trust_option(serve)
    serve.set_defaults(handler=_serve)

    predict = commands.add_parser(
        "predict", help="score a CSV or Parquet file in chunks, writing predictions to a file"
    )
    predict.add_argument("model", help="a saved model: models/NAME, models/NAME/3 or models/NAME@3")
    predict.add_argument("--input", required=True, help="a .csv or .parquet file with the features")
    predict.add_argument(
        "--output", required=True, help="the .csv or .parquet file to write (replaced when done)"
    )
    predict.add_argument(
        "--chunk-rows", type=int, default=50_000, help="rows per chunk (default: 50000)"
    )
    predict.add_argument(
        "--probabilities", action="store_true", help="add one probability column per class"
    )
    predict.add_argument(
        "--prediction-column",
        default="prediction",
        metavar="NAME",
        help="name of the predictions column (default: prediction); an input that already "
        "has it is refused",
    )
    predict.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="score a folder of Parquet files as a Dask dataframe on the scheduler at ADDRESS "
        "(a folder as --input does this on this machine; default: the scheduler setting)",
    )
    _add_trust_option(predict)
    _add_quiet_option(predict)
    predict.set_defaults(handler=_predict)
    _add_monitor_command(commands)
    return parser


def _add_monitor_command(commands: argparse._SubParsersAction) -> None:
    monitor = commands.add_parser(
        "monitor",
        help="compare a CSV or Parquet file of production rows with the model card's sketches",
        description="Exit status: 0 when done (also with drift, unless --fail-on-drift), "
        "1 with --fail-on-drift when a feature or the predictions drift, "
        "2 when the model or the file cannot be used.",
    )
    monitor.add_argument("model", help="a saved model: models/NAME, models/NAME/3 or models/NAME@3")
    monitor.add_argument(
        "--current", required=True, help="a .csv or .parquet file of current (production) rows"
    )
    monitor.add_argument("--output", default=None, help="write the HTML report to this file")
    monitor.add_argument("--json", default=None, metavar="FILE", help="write the report as JSON")
    monitor.add_argument(
        "--fail-on-drift", action="store_true", help="exit with status 1 when anything drifts"
    )
    monitor.add_argument(
        "--chunk-size", type=int, default=50_000, help="rows read at a time (default: 50000)"
    )
    monitor.add_argument(
        "--no-predictions",
        action="store_true",
        help="compare the features only; the model file is not loaded",
    )
    _add_trust_option(monitor)
    monitor.set_defaults(handler=_monitor)


def _add_parallel_options(command: argparse.ArgumentParser) -> None:
    """``--n-jobs`` and ``--scheduler``: where the fits of a search, comparison or selection run."""
    command.add_argument(
        "--n-jobs", type=int, default=None, help="local processes (default: the n_jobs setting)"
    )
    command.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask scheduler at ADDRESS (default: the scheduler setting)",
    )


QUIET_HELP = "show no progress (by default long work shows it on stderr)"


def _add_quiet_option(command: argparse.ArgumentParser) -> None:
    # SUPPRESS: given after the command it sets args.quiet, and left out it keeps the value
    # `modelyard --quiet COMMAND` set (a subcommand's default would override it).
    command.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=QUIET_HELP
    )


def _add_trust_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="NAME",
        help="trust a profile (lightgbm, xgboost, catboost) or an exact type name in the model "
        "file, beyond [tool.modelyard] trust and $MODELYARD_TRUST; repeatable",
    )


def _trust(args: argparse.Namespace) -> tuple[str, ...]:
    """What the loader trusts: the project's ``trust`` (and MODELYARD_TRUST), then --trust."""
    return tuple(dict.fromkeys((*load_settings().trust, *args.trust)))


def _add_sample_command(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser(
        "sample", help="write a small sample of the training data, to commit for tests and CI"
    )
    sample.add_argument(
        "--rows", type=int, default=200, help="rows to draw at random (default: 200)"
    )
    sample.add_argument(
        "--output",
        default=None,
        metavar="FILE",
        help="the CSV file to write (default: the sample setting, data/sample.csv)",
    )
    sample.set_defaults(handler=_sample)


def _sample(args: argparse.Namespace) -> int:
    import dataclasses

    from modelyard.data.sample import write_sample

    settings = load_settings(required=True)
    # The sample is always drawn from the full data, whatever MODELYARD_DATA says.
    data = build_dataset(dataclasses.replace(settings, data="full"))
    path = write_sample(data, args.output or settings.sample, rows=args.rows)
    print(f"wrote {min(len(data.x), args.rows)} rows to {_shown(path)}")
    print("commit it; MODELYARD_DATA=sample makes train, score and the tests read it")
    return 0


def _train(args: argparse.Namespace) -> int:
    from modelyard.project import project_store
    from modelyard.runlog import check_writable

    settings = load_settings(required=True)
    model, data = build_model(settings), build_dataset(settings)
    project_store(settings).check_writable()  # before the long work, not after
    check_writable(settings.run_dir)
    if not args.skip_score:
        _print_result(model.score(data, settings=settings, quiet=args.quiet))
    # the record is written after the version is published
    model.train(data, record=False, settings=settings, quiet=args.quiet)
    ref = model.save(settings=settings, quiet=args.quiet)
    print(f"saved {_shown(ref.path)}")
    if model.train_record is not None:
        print(f"run recorded in {_shown(model.train_record)}")
    print(f"serve it with: modelyard serve {_shown(ref.path)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from modelyard.runlog import check_writable

    started = time.perf_counter()
    settings = load_settings(required=True)
    model, data = build_model(settings), build_dataset(settings)
    check_writable(settings.run_dir)  # before the long work, not after
    result = model.score(data, cv=args.cv, settings=settings, quiet=args.quiet)
    _print_result(result)
    if result.run_record is not None:
        print(f"run recorded in {_shown(settings.run_dir)}")
    mode = args.report or settings.report
    if mode != "none":
        from modelyard.report import BUDGET_SHARE

        # The fast report takes at most about half of what loading, fitting and measuring took.
        budget = BUDGET_SHARE * (time.perf_counter() - started)
        _write_report(result, settings, mode=mode, budget=budget, quiet=args.quiet)
    return 0


def _add_models_commands(commands: argparse._SubParsersAction) -> None:
    models = commands.add_parser("models", help="list the saved models, show a model card")
    actions = models.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every model in the store and its latest version")
    listing.add_argument("--store", help="folder or URL of the store (default: the project's)")
    listing.set_defaults(handler=_models_list)
    show = actions.add_parser("show", help="the model card of NAME (latest) or NAME@VERSION")
    show.add_argument("model", metavar="NAME[@VERSION]")
    show.add_argument("--store", help="folder or URL of the store (default: the project's)")
    show.add_argument(
        "--contract",
        action="store_true",
        help="print the data contract as a table: per feature its kind, whether it may be "
        "missing, what training saw and its policy",
    )
    show.add_argument(
        "--monitoring",
        action="store_true",
        help="print the reference sketches drift is measured against (modelyard monitor)",
    )
    _add_trust_option(show)
    show.set_defaults(handler=_models_show)


def _add_runs_commands(commands: argparse._SubParsersAction) -> None:
    runs = commands.add_parser("runs", help="list the recorded runs, show one")
    actions = runs.add_subparsers(title="actions", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the runs in the run folder, newest first")
    listing.add_argument("--limit", type=int, default=20, help="show at most this many (20)")
    listing.set_defaults(handler=_runs_list)
    show = actions.add_parser("show", help="one run record (its id, or the start of it)")
    show.add_argument("run_id", metavar="ID")
    show.set_defaults(handler=_runs_show)


def _add_search_command(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser(
        "search", help="run the search of [tool.modelyard.search], print the top candidates"
    )
    search.add_argument("--top", type=int, default=5, help="candidates to print (default: 5)")
    _add_parallel_options(search)
    search.add_argument(
        "--save-best",
        action="store_true",
        help="save the best candidate, refitted on all the data, as a new model version "
        "(its model card names the search run)",
    )
    _add_quiet_option(search)
    search.set_defaults(handler=_search)


def _search(args: argparse.Namespace) -> int:
    from modelyard.project import project_store, search_from_settings
    from modelyard.search import shown_value

    settings = load_settings(required=True)
    if args.save_best:
        project_store(settings).check_writable()  # before the long work, not after
    found = search_from_settings(
        settings, n_jobs=args.n_jobs, scheduler=args.scheduler, quiet=args.quiet
    )
    table = found.table
    params = [c for c in table.columns if c.startswith("param_")]
    short = _short_names([c[len("param_") :] for c in params])
    metrics = _metric_columns(table)
    rows = [("rank", *short, *metrics, "fit s")]
    for _, row in table.head(max(args.top, 1)).iterrows():
        cells = [shown_value(row[c], quote=False) for c in params]
        cells += [f"{row[f'mean_{m}']:.4f} ± {row[f'std_{m}']:.4f}" for m in metrics]
        rows.append((str(row["rank"]), *cells, f"{row['mean_fit_time']:.2f}"))
    print(f"{len(table)} candidates, best first:")
    _print_table(rows, cut=range(1, 1 + len(params)))
    best = ", ".join(
        f"{name}={shown_value(value, quote=False)}" for name, value in found.best_params.items()
    )
    print(f"best parameters: {best or 'the defaults'}")
    if found.run_record is not None:
        print(f"run recorded in {_shown(found.run_record)}, candidates table beside it")
    if args.save_best:
        ref = found.best_model.save(settings=settings, quiet=args.quiet)
        print(f"saved the best candidate as {_shown(ref.path)}")
        print(f"serve it with: modelyard serve {_shown(ref.path)}")
    return 0


def _metric_columns(table: Any) -> list[str]:
    """The metrics of a candidate table (its ``mean_<metric>`` columns, times left out)."""
    metrics = [c[len("mean_") :] for c in table.columns if c.startswith("mean_")]
    return [m for m in metrics if m not in ("fit_time", "score_time")]


def _short_names(names: list[str]) -> list[str]:
    """Parameter names without their pipeline step (``model__C`` -> ``C``) where that is unique."""
    short = [name.rsplit("__", 1)[-1] for name in names]
    return short if len(set(short)) == len(short) else names


def _add_compare_command(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare",
        help="score the project's candidate models on the same folds, side by side",
        description="The candidates are the model factories of [tool.modelyard] compare, or "
        "those named here (module:function, each returning a modelyard.Model; a single one "
        "may return a dict or list of them).",
    )
    compare.add_argument(
        "factories", nargs="*", metavar="FACTORY", help="module:function (default: compare)"
    )
    compare.add_argument(
        "--cv",
        type=int,
        default=None,
        metavar="K",
        help="folds (default: the cv setting; 0 scores on one holdout split)",
    )
    _add_parallel_options(compare)
    _add_quiet_option(compare)
    compare.set_defaults(handler=_compare)


def _compare(args: argparse.Namespace) -> int:
    from modelyard.project import compare_from_settings
    from modelyard.runlog import check_writable

    settings = load_settings(required=True)
    check_writable(settings.run_dir)
    group = compare_from_settings(
        settings,
        args.factories,
        cv=args.cv,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        quiet=args.quiet,
    )
    first = group.best
    metrics = list(first.metrics)
    rows = [("rank", "candidate", "estimator", *metrics)]
    for rank, result in enumerate(group, 1):
        cells = [
            f"{result.metrics[m]:.4f}" + (f" ± {result.std[m]:.4f}" if m in result.std else "")
            for m in metrics
        ]
        rows.append((str(rank), result.model_name, result.estimator, *cells))
    how = (
        f"{first.cv}-fold cross-validation of {first.n_train + first.n_test} rows "
        f"({first.n_train} training, {first.n_test} test per fold), mean ± std"
        if first.cv
        else f"holdout split: {first.n_train} training, {first.n_test} test rows"
    )
    print(f"{len(group)} candidates, best first by {group.metric}; {how}:")
    _print_table(rows, cut=(1, 2), keep_end=(2,))
    return 0


def _add_select_command(commands: argparse._SubParsersAction) -> None:
    from modelyard.selection import METHODS

    select = commands.add_parser(
        "select",
        help="choose the input columns worth keeping; --save trains and saves a model on them",
        description="Feature selection among the columns of the table, whatever the pipeline "
        "does with them: permutation importance on the holdout split, recursive elimination "
        "(rfecv) or forward selection (sequential) by cross-validation.",
    )
    select.add_argument("method", choices=METHODS, metavar="METHOD", help=", ".join(METHODS))
    select.add_argument(
        "--n-features",
        type=int,
        default=None,
        metavar="N",
        help="columns to keep (default: permutation every column that helps, rfecv the "
        "best-scoring number, sequential half)",
    )
    select.add_argument(
        "--cv", type=int, default=None, metavar="K", help="folds (default: the cv setting, else 5)"
    )
    select.add_argument(
        "--metric", default=None, metavar="NAME", help="choose by this metric (default: the first)"
    )
    _add_parallel_options(select)
    select.add_argument(
        "--save",
        action="store_true",
        help="train the model on the selected columns on all data and save it as a new version",
    )
    _add_quiet_option(select)
    select.set_defaults(handler=_select)


def _select(args: argparse.Namespace) -> int:
    from modelyard.project import project_store
    from modelyard.runlog import check_writable

    settings = load_settings(required=True)
    model, data = build_model(settings), build_dataset(settings)
    check_writable(settings.run_dir)  # before the long work, not after
    if args.save:
        project_store(settings).check_writable()
    chosen = model.select_features(
        data,
        method=args.method,
        n_features=args.n_features,
        cv=args.cv,
        metric=args.metric,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        settings=settings,
        quiet=args.quiet,
    )
    evidence = {
        "importance": lambda row: f"importance {row['importance']:.4f} ± {row['std']:.4f}",
        "ranking": lambda row: f"rank {row['ranking']}",
        "step": lambda row: f"added at step {row['step']}" if row["step"] else "not added",
    }[chosen.evidence]
    rows = [("feature", "kept", "evidence")]
    for feature, row in chosen.scores.iterrows():
        rows.append((str(feature), "yes" if row["selected"] else "no", evidence(row)))
    _print_table(rows, cut=(0, 2))
    where = "on the holdout split" if args.method == "permutation" else "cross-validated"
    print(f"{chosen.metric} {chosen.score:.4f} {where}")
    print(f"selected {len(chosen.selected)} of {len(chosen.scores)}: {', '.join(chosen.selected)}")
    if chosen.run_record is not None:
        print(f"run recorded in {_shown(chosen.run_record)}")
    if args.save:
        # the record is written after the version is published, as `modelyard train` does
        restricted = chosen.model().train(data, record=False, settings=settings, quiet=args.quiet)
        ref = restricted.save(settings=settings, quiet=args.quiet)
        print(f"saved {_shown(ref.path)} (trained on the selected columns only)")
    return 0


def _predict_distributed(args: argparse.Namespace) -> int:
    """``modelyard predict`` of a Parquet folder as a Dask dataframe, on a cluster or locally."""
    from modelyard.distributed import predict_partitioned
    from modelyard.loading import load_model

    scheduler = args.scheduler or load_settings().scheduler
    rows = predict_partitioned(
        load_model(args.model, trusted=_trust(args)),
        args.input,
        args.output,
        scheduler=scheduler,
        probabilities=getattr(args, "probabilities", False),
        quiet=args.quiet,
    )
    print(f"wrote {rows} predictions to {args.output}")
    return 0


def _add_release_command(commands: argparse._SubParsersAction) -> None:
    release = commands.add_parser(
        "release",
        help="build this project's package with a trained model in it, check it, upload it",
        description="Refuses a dirty working tree, an untagged commit, a project with no "
        "trained model and a version the index already has. Credentials come from "
        "TWINE_USERNAME / TWINE_PASSWORD or the keyring.",
    )
    release.add_argument(
        "--model", help="the saved version to ship, e.g. models/NAME@3 (default: the latest)"
    )
    release.add_argument(
        "--repository-url",
        default=os.environ.get("TWINE_REPOSITORY_URL"),
        help="where to upload (default: $TWINE_REPOSITORY_URL)",
    )
    release.add_argument(
        "--index-url",
        help="the simple index to check the version against (default: $PIP_INDEX_URL, "
        "else REPOSITORY_URL/simple/)",
    )
    release.add_argument(
        "--dist-dir", default="dist", help="where to keep the built files (default: dist)"
    )
    release.add_argument(
        "--no-upload", action="store_true", help="build and check only; upload nothing"
    )
    _add_trust_option(release)
    release.set_defaults(handler=_release)


def _release(args: argparse.Namespace) -> int:
    import tempfile

    from modelyard.packaging import release_model_package

    settings = load_settings(required=True)
    out = Path(tempfile.mkdtemp(prefix="release-", dir=_dist_dir(args.dist_dir)))
    dists, card = release_model_package(
        settings,
        model=args.model,
        repository_url=args.repository_url,
        index_url=args.index_url,
        out_dir=out,
        upload_files=not args.no_upload,
        trusted=_trust(args),
    )
    print(f"built {dists.name} {dists.version} with model '{card.name}' version {card.version}:")
    for file in dists.files:
        print(f"  {_shown(file)}")
    if not args.no_upload:
        print(f"uploaded to {args.repository_url}")
    return 0


def _dist_dir(folder: str) -> Path:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _models_list(args: argparse.Namespace) -> int:
    from modelyard.store import open_store

    store = open_store(args.store or load_settings().store_url)
    names = store.names()
    if not names:
        print(f"no saved models in {store.root}; save one with `modelyard train`")
        return 0
    rows = [("model", "versions", "latest", "created (UTC)", "estimator", "metrics")]
    for name in names:
        versions = store.versions(name)
        card = store.card(name, versions[-1])
        # Cards before the label was kept name the class only (sklearn.pipeline.Pipeline).
        label = _printable(card.label or card.estimator.rpartition(".")[2])
        created = card.created[:19].replace("T", " ")
        rows.append(
            (name, str(len(versions)), str(card.version), created, label, _metrics(card.metrics))
        )
    _print_table(rows, cut=(4, 5), keep_end=(4,))
    return 0


def _models_show(args: argparse.Namespace) -> int:
    from modelyard.store import open_store, parse_model_ref

    name, version = parse_model_ref(args.model)
    store = open_store(args.store or load_settings().store_url)
    card = store.card(name, version)
    if args.contract:
        from modelyard.schema import FeatureSchema

        print(FeatureSchema.from_dict(card.features).contract_table())
        return 0
    if args.monitoring:
        from modelyard.drift import ReferenceProfile

        if not card.monitoring:
            raise ModelyardError(
                f"{args.model} has no reference sketches (saved by an earlier modelyard); "
                "train and save it again"
            )
        print(ReferenceProfile.from_dict(card.monitoring).table())
        return 0
    print(json.dumps(card.to_dict(), indent=2))
    if card.trust:
        from modelyard.trust import expand

        trusted, _ = expand(_trust(args))
        missing = [name for name in card.trust if not expand([name])[0] <= trusted]
        state = f"not trusted here: set [tool.modelyard] trust = {json.dumps(missing)}"
        # A note, not part of the card: stdout stays one JSON document.
        print(
            f"loading it needs trust = {json.dumps(card.trust)} ({state if missing else 'ok'})",
            file=sys.stderr,
        )
    return 0


def _runs_list(args: argparse.Namespace) -> int:
    from modelyard.runlog import list_runs

    run_dir = load_settings().run_dir
    records = list_runs(run_dir)[::-1][: max(args.limit, 0)]
    if not records:
        print(f"no runs recorded in {_shown(run_dir)}; `modelyard score` records one")
        return 0
    rows = [("run", "kind", "model", "estimator", "started (UTC)", "seconds", "metrics")]
    rows += [
        (
            r.run_id,
            r.kind,
            r.model_name,
            _printable(r.estimator),
            r.started[:19].replace("T", " "),
            f"{r.duration_s:.2f}",
            _metrics(r.metrics),
        )
        for r in records
    ]
    _print_table(rows, cut=(3, 6), keep_end=(3,))
    return 0


def _runs_show(args: argparse.Namespace) -> int:
    from modelyard.runlog import find_run

    print(json.dumps(find_run(load_settings().run_dir, args.run_id).to_dict(), indent=2))
    return 0


def _metrics(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.4f}" for name, value in values.items()) or "-"


def _print_table(
    rows: list[tuple[str, ...]], cut: Sequence[int] = (-1,), keep_end: Sequence[int] = ()
) -> None:
    """Rows as columns that fit the terminal: the widest of the ``cut`` columns are shortened.

    Only text such as estimators and metric lists is cut, with ``…``; ids, names and
    numbers stay whole. A ``keep_end`` column loses its start instead (an estimator label
    keeps its model: ``…LogisticRegression)``). Piped output is never cut.
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    flexible = sorted({i % len(widths) for i in cut})
    ends = {i % len(widths) for i in keep_end}
    room = _terminal_width() - 2 * (len(widths) - 1)
    while flexible and sum(widths) > room:
        widest = max(flexible, key=lambda i: widths[i])
        if widths[widest] <= 12:
            break
        widths[widest] -= 1
    for row in rows:
        cells = [
            _cut(cell, width, from_start=i in ends).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def _terminal_width() -> float:
    """The terminal's columns ($COLUMNS first); unlimited when the output is not a terminal."""
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return float("inf")
    return shutil.get_terminal_size((100, 24)).columns


def _printable(text: str) -> str:
    """``text`` with its control characters as ``?``.

    A card's or a run record's text cannot drive the terminal (escape sequences)
    when a listing prints it.
    """
    return "".join(c if c.isprintable() else "?" for c in text)


def _cut(text: str, width: int, *, from_start: bool = False) -> str:
    if len(text) <= width:
        return text
    return "…" + text[len(text) - width + 1 :] if from_start else text[: width - 1] + "…"


def _serve(args: argparse.Namespace) -> int:
    with collector_paused():  # the serving stack's imports live as long as the server
        from modelyard.serving import serve
        from modelyard.serving.monitoring import export_settings
        from modelyard.serving.server import check_listen

    check_listen(args.port, args.workers)  # before the project is read
    model = args.model
    if model is None:
        settings = load_settings(required=True)
        model = f"{settings.store_url}/{model_name(settings)}"
    project = load_settings()
    export_settings(project.monitoring, project.root, os.environ)  # the workers read these
    serve(model, host=args.host, port=args.port, workers=args.workers, trusted=_trust(args))
    return 0


def _write_report(
    result: Result, settings: Settings, *, mode: str, budget: float, quiet: bool
) -> None:
    """Write the run's HTML report beside its record; like the record, never fail the run."""
    from modelyard.report import default_report_path

    try:
        path = result.report(
            default_report_path(result, settings.run_dir),
            mode=mode,
            n_jobs=settings.n_jobs,
            budget=budget,
            quiet=quiet,
        )
    except ModelyardError as error:
        print(f"modelyard: warning: report not written: {error}", file=sys.stderr)
        return
    print(f"report written to {_shown(path)}")


def _predict(args: argparse.Namespace) -> int:
    from modelyard.batch import predict_file
    from modelyard.loading import load_model

    if args.scheduler or Path(args.input).is_dir():
        return _predict_distributed(args)

    rows = predict_file(
        load_model(args.model, trusted=_trust(args)),
        args.input,
        args.output,
        chunk_rows=args.chunk_rows,
        probabilities=args.probabilities,
        prediction_column=args.prediction_column,
        quiet=args.quiet,
    )
    print(f"wrote {rows} predictions to {args.output}")
    return 0


def _monitor(args: argparse.Namespace) -> int:
    from modelyard.drift import DriftThresholds
    from modelyard.monitor import (
        monitor_file,
        summary_table,
        write_drift_report,
        write_json_report,
    )

    # A drift alert and a broken input must be told apart by a scheduled job:
    # drift is 1 (with --fail-on-drift), a model or file that cannot be used is 2.
    try:
        thresholds = DriftThresholds.from_table(load_settings().monitoring)
        report = monitor_file(
            args.model,
            args.current,
            thresholds=thresholds,
            chunk_rows=args.chunk_size,
            predictions=not args.no_predictions,
            trusted=_trust(args),
        )
        print(summary_table(report))
        if args.output:
            path = write_drift_report(report, args.output, model=args.model, current=args.current)
            print(f"report written to {_shown(path)}")
        if args.json:
            write_json_report(report, args.json)
    except (ModelyardError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"modelyard: error: {error}", file=sys.stderr)
        return 2
    drifted = ", ".join(report.drifted)
    print(f"verdict: {report.verdict}" + (f" (drift in {drifted})" if drifted else ""))
    return 1 if args.fail_on_drift and report.drifted else 0


def _print_result(result: Result) -> None:
    if result.cv:
        print(
            f"{result.cv}-fold cross-validation of {result.n_train + result.n_test} rows "
            f"({result.n_train} training, {result.n_test} test per fold), mean ± std:"
        )
        for name, value in result.metrics.items():
            print(f"  {name:<10} {value:.4f} ± {result.std[name]:.4f}")
        return
    print(f"holdout metrics ({result.n_test} test rows, {result.n_train} training rows):")
    for name, value in result.metrics.items():
        print(f"  {name:<10} {value:.4f}")


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, for short output."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
