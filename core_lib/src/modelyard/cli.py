"""The ``modelyard`` command: the lifecycle of the current project's model.

Run inside a project whose pyproject.toml has a ``[tool.modelyard]`` table::

    modelyard train              score on a holdout, fit on all data, save a new version
    modelyard score              holdout metrics, printed and recorded
    modelyard serve [MODEL]      REST API for a saved model (the latest one by default)

A user's mistake (bad configuration, a missing model, wrong data) is printed as
one line on stderr with exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from modelyard import __version__
from modelyard.config import load_settings
from modelyard.exceptions import ModelyardError
from modelyard.result import Result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except ModelyardError as error:
        print(f"modelyard: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelyard", description="Train, score and serve this project's model."
    )
    parser.add_argument("--version", action="version", version=f"modelyard {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="fit on all data and save a new model version")
    train.add_argument(
        "--skip-score",
        action="store_true",
        help="do not measure holdout metrics first (the model card then has none)",
    )
    train.set_defaults(handler=_train)

    score = commands.add_parser("score", help="fit on a training split, report holdout metrics")
    score.set_defaults(handler=_score)

    serve = commands.add_parser("serve", help="serve a saved model over HTTP")
    serve.add_argument(
        "model",
        nargs="?",
        default=os.environ.get("MODELYARD_MODEL"),
        help="what `modelyard train` printed (default: $MODELYARD_MODEL, else the latest "
        "version of this project's model)",
    )
    # String defaults go through type=int too, so a bad $MODELYARD_PORT is a usage error.
    serve.add_argument(
        "--host",
        default=os.environ.get("MODELYARD_HOST", "127.0.0.1"),
        help="address to listen on (default: $MODELYARD_HOST, else 127.0.0.1)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=os.environ.get("MODELYARD_PORT", "8000"),
        help="port to listen on (default: $MODELYARD_PORT, else 8000)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=os.environ.get("MODELYARD_WORKERS", "1"),
        help="worker processes (default: $MODELYARD_WORKERS, else 1)",
    )
    serve.set_defaults(handler=_serve)
    return parser


def _train(args: argparse.Namespace) -> int:
    settings = load_settings(required=True)
    model, data = settings.build_model(), settings.build_dataset()
    if not args.skip_score:
        _print_result(model.score(data))
    model.train(data)
    ref = model.save()
    print(f"saved {_shown(ref.path)}")
    print(f"serve it with: modelyard serve {_shown(ref.path)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    settings = load_settings(required=True)
    _print_result(settings.build_model().score(settings.build_dataset()))
    print(f"run recorded in {_shown(settings.run_dir)}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from modelyard.serving import serve

    model = args.model
    if model is None:
        settings = load_settings(required=True)
        model = settings.model_dir / settings.build_model().resolve_name(settings)
    serve(model, host=args.host, port=args.port, workers=args.workers)
    return 0


def _print_result(result: Result) -> None:
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
