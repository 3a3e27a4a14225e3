"""`sentiflow config`: the effective settings, where each comes from, and what it means."""

from __future__ import annotations

from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for
from sentiflow.tasks.core.settings import Settings


@app.command("config")
def config_command(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show the effective settings (flags > SENTIFLOW_* environment > defaults)."""
    settings = settings_for(home)
    summary = {
        name: {
            "value": str(getattr(settings, name)),
            "env": f"SENTIFLOW_{name.upper()}",
            "description": field.description,
        }
        for name, field in Settings.model_fields.items()
    }

    def render(s: dict) -> None:
        table = Table("setting", "value", "environment variable", "meaning")
        for name, row in s.items():
            table.add_row(name, row["value"], row["env"], row["description"])
        console.print(table)

    emit(summary, as_json, render)
