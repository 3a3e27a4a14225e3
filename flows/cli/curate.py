"""`sentiflow curate`: lake -> a versioned dataset with train/validation/test and a removal report."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.curate.summary import CurationSummary


def _render(summary: CurationSummary) -> None:
    from rich.table import Table

    from sentiflow.tasks.curate.report import most_common_languages

    verb = "reused (same inputs and config)" if summary.reused else "curated"
    console.print(
        f"dataset [bold]{summary.version}[/] {verb} from {', '.join(summary.sources)}: "
        f"{summary.rows_in:,} rows in, labels {', '.join(summary.labels) or 'none'}",
        highlight=False,
    )
    table = Table("outcome", "rows", title="curate")
    for split, n in summary.kept.items():
        table.add_row(f"kept: {split}", f"{n:,}")
    for reason, n in sorted(summary.removed.items(), key=lambda kv: -kv[1]):
        table.add_row(f"removed: {reason}", f"{n:,}")
    table.add_row("[bold]total[/]", f"{sum(summary.kept.values()) + sum(summary.removed.values()):,}")
    console.print(table)
    if summary.languages:
        top = ", ".join(f"{lang} {n:,}" for lang, n in most_common_languages(summary.languages, 6))
        console.print(f"languages: {top}", highlight=False)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def _split_sources(values: list[str] | None) -> list[str] | None:
    """`--sources a --sources b` and `--sources a,b` both give ['a', 'b']."""
    names = [n.strip() for v in values or [] for n in v.split(",") if n.strip()]
    return names or None


@app.command("curate")
def curate_command(
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--sources",
            help="Sources to curate, repeated or comma-separated (default: every source in the lake).",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Dataset name, the prefix of its version (default: the source names).", show_default=False),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="TOML file overriding curation settings (steps, thresholds, label maps, splits).",
            show_default=False,
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Curate the lake into datasets/VERSION: clean, filter, deduplicate, split (train/validation/test).

    Every input row is kept or removed with a reason (datasets/VERSION/removed/REASON/). The same
    inputs and configuration give the same VERSION and reuse it; datasets/LATEST names the newest.
    """
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.curate.config import load_config
    from sentiflow.tasks.curate.service import check_request

    settings = settings_for(home)
    root = Home.at(settings.home)
    chosen = _split_sources(sources)
    load_config(config)  # a bad config is one line here, before Prefect starts
    check_request(root, chosen, name)

    from sentiflow.flows.prefect_env import configure_prefect

    configure_prefect(root.root)
    from sentiflow.flows.curate import curate_flow
    from sentiflow.tasks.curate.summary import CurationSummary

    spinner = console.status("curating...", spinner="dots") if console.is_terminal and not as_json else nullcontext()
    with spinner:
        result = curate_flow(
            home=str(root.root), sources=chosen, name=name, config_path=str(config.resolve()) if config else None
        )
    summary = CurationSummary.from_json(result)
    emit(result, as_json, lambda _: _render(summary))
