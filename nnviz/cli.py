"""Command line: ``nnviz [options]`` opens the window, ``nnviz train [options]`` trains headless.

Both share one set of options mirroring `Config`; a bad value prints a
one-line message naming the option and exits 2.  ``nnviz train`` prints one
JSON line of metrics every ``--every`` epochs and a final one, and exits 3
when training diverges.
"""

from __future__ import annotations

import os

# Tiny matrices: multi-threaded BLAS only adds contention with the GUI thread.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from nnviz.core.config import (  # noqa: E402
    ACTIVATIONS,
    DATASETS,
    FEATURES,
    INITS,
    LOSSES,
    OPTIMIZERS,
)
from nnviz.core.datasets import fit_loss_to_data, make_dataset  # noqa: E402

EXIT_BAD_ARGUMENT = 2
EXIT_DIVERGED = 3

# Option name -> (Config field, parser of the command-line text).
CONFIG_OPTIONS = {
    "--dataset": ("dataset", str),
    "--samples": ("samples", int),
    "--noise": ("noise", float),
    "--train-ratio": ("train_ratio", float),
    "--data-seed": ("data_seed", int),
    "--data-file": ("data_file", str),
    "--classes": ("classes", int),
    "--features": ("features", lambda text: tuple(p for p in text.split(",") if p)),
    "--hidden": ("hidden", lambda text: _int_list(text)),
    "--activation": ("activation", str),
    "--loss": ("loss", str),
    "--optimizer": ("optimizer", str),
    "--lr": ("lr", float),
    "--momentum": ("momentum", float),
    "--batch-size": ("batch_size", lambda text: None if text in ("full", "0") else int(text)),
    "--l1": ("l1", float),
    "--l2": ("l2", float),
    "--init": ("init", str),
    "--seed": ("seed", int),
}
HELP = {
    "--dataset": "one of " + ", ".join(DATASETS),
    "--samples": "points to draw (default: the dataset's own size)",
    "--noise": "0 to 0.5",
    "--train-ratio": "share of points used for training, 0.1 to 0.9 (0.6)",
    "--data-seed": "seed of the data (0 reproduces the course notebook's data)",
    "--data-file": "CSV of x1,x2,label rows (implies --dataset file)",
    "--classes": "classes of the blobs and arms sets, 3 to 5",
    "--features": "comma-separated inputs from " + ",".join(FEATURES),
    "--hidden": "comma-separated hidden-layer widths, e.g. 8,8 ('none' for no hidden layer)",
    "--activation": "one of " + ", ".join(ACTIVATIONS),
    "--loss": "one of " + ", ".join(LOSSES) + " (default: the one that fits the data)",
    "--optimizer": "one of " + ", ".join(OPTIMIZERS),
    "--lr": "learning rate, 1e-05 to 10",
    "--momentum": "share of the last update kept by the momentum optimizer, 0 to 0.999 (0.9)",
    "--batch-size": "mini-batch size, or 'full' (or 0) for full-batch gradient descent",
    "--l1": "L1 regularization rate",
    "--l2": "L2 regularization rate",
    "--init": "one of " + ", ".join(INITS),
    "--seed": "seed of the initial weights and the batch order",
}


def _int_list(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    return tuple(int(part) for part in text.split(","))


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2."""

    def error(self, message: str):
        raise SystemExit(_fail(f"{self.prog}: error: {message}"))


def _fail(message: str, status: int = EXIT_BAD_ARGUMENT) -> int:
    print(message, file=sys.stderr)
    return status


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = _OneLineParser(prog=prog, description=description)
    for option, (name, _) in CONFIG_OPTIONS.items():
        parser.add_argument(option, dest=name, metavar="VALUE", help=HELP.get(option))
    parser.add_argument("--config", metavar="FILE", help="start from a saved JSON config")
    return parser


def config_from_args(args: argparse.Namespace):
    """The Config named by --config (or the defaults) with every given option applied.

    Raises ValueError whose message names the offending option."""
    from nnviz.core import Config

    option_of = {name: option for option, (name, _) in CONFIG_OPTIONS.items()}
    base = Config()
    if args.config:
        try:
            with open(args.config, encoding="utf-8") as handle:
                base = Config.from_json(handle.read())
        except OSError as exc:
            raise ValueError(f"--config: cannot read {args.config}: {exc.strerror}") from exc
        except ValueError as exc:
            raise ValueError(f"--config: {args.config}: {exc}") from exc
    changes = {}
    for option, (name, parse) in CONFIG_OPTIONS.items():
        text = getattr(args, name)
        if text is None:
            continue
        try:
            changes[name] = parse(text)
        except ValueError:
            raise ValueError(f"{option}: cannot read {text!r}") from None
    # A file names its data: --dataset file is implied, any other dataset is a mistake.
    if "data_file" in changes and changes.setdefault("dataset", "file") != "file":
        raise ValueError(f"--data-file: goes with --dataset file, not {changes['dataset']}")
    try:
        if "dataset" in changes:  # other data and perhaps no loss: one that fits, as the window
            changes = fit_loss_to_data(base, changes)
        config = base.replace(**changes)
        if config.dataset == "file":
            make_dataset(config)  # a CSV from --config too: refused here, not in the window
        return config
    except ValueError as exc:
        field, _, detail = str(exc).partition(": ")
        raise ValueError(f"{option_of.get(field, field)}: {detail or exc}") from None


def _names_a_run(args: argparse.Namespace) -> bool:
    """Does the command line set anything of the run (an option of the config, or --config)?"""
    options = (getattr(args, name) for name, _ in CONFIG_OPTIONS.values())
    return args.config is not None or any(value is not None for value in options)


def _positive(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name}: must be >= 0, got {value}")


def _has_display() -> bool:
    """Whether Qt can open a window here (always on Windows and macOS)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:
        return train_main(argv[1:])
    parser = _parser(
        "nnviz",
        "Watch a neural network learn (opens the window). "
        "'nnviz train --help' lists the options of headless training.",
    )
    parser.add_argument("--epochs", type=int, help="train exactly N epochs, then report and exit")
    parser.add_argument("--screenshot", metavar="PNG", help="save a PNG of the whole window")
    args = parser.parse_args(argv)
    try:
        # Without a word about the run, the window restores the last one (None).
        config = config_from_args(args) if _names_a_run(args) else None
        _positive("--epochs", args.epochs)
    except ValueError as exc:
        return _fail(f"nnviz: error: {exc}")
    epochs = args.epochs
    if (args.screenshot or epochs is not None) and not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # an unattended run needs no screen
    from nnviz.app.run import run_app

    if args.screenshot and epochs is None:
        epochs = 0
    return run_app(config, epochs=epochs, screenshot=args.screenshot)


def train_main(argv: list[str]) -> int:
    """``nnviz train``: headless training printing JSON metric lines."""
    parser = _parser("nnviz train", "Train without a window; print JSON metrics.")
    parser.add_argument("--epochs", type=int, default=1000, help="epochs to train (1000)")
    parser.add_argument("--every", type=int, default=0, help="print metrics every N epochs")
    parser.add_argument("--save-config", metavar="FILE", help="write the effective config")
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        _positive("--epochs", args.epochs)
        _positive("--every", args.every)
        from nnviz.core import Trainer

        trainer = Trainer(config)
    except ValueError as exc:
        return _fail(f"nnviz train: error: {exc}")
    if args.save_config:
        try:
            with open(args.save_config, "w", encoding="utf-8") as handle:
                handle.write(config.to_json() + "\n")
        except OSError as exc:
            return _fail(f"nnviz train: error: --save-config: {exc.strerror}")
    chunk = args.every or args.epochs
    while trainer.epoch < args.epochs:
        metrics = trainer.step(min(chunk, args.epochs - trainer.epoch))
        if trainer.diverged is not None:
            return _fail(
                f"nnviz train: diverged at epoch {trainer.diverged}: the loss or a weight became "
                f"infinite or NaN; try a lower learning rate (--lr {config.lr / 10:g})",
                EXIT_DIVERGED,
            )
        if args.every and trainer.epoch < args.epochs:
            print(json.dumps(metrics), flush=True)
    print(json.dumps(trainer.metrics), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
