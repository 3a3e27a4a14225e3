"""`sentiflow config`: the effective settings, where each comes from, and what it means."""

from __future__ import annotations

from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, home_flag, settings_for
from sentiflow.tasks.core.settings import Settings, setting_origins


@app.command("config")
def config_command(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Show the effective settings and where each comes from: a flag, the environment or the default.

    Flags win over SENTIFLOW_* environment variables, which win over the defaults. The only flag
    here is --home (before or after the command); other commands' flags apply to their own run.
    """
    settings = settings_for(home)
    origins = setting_origins(settings, flags=["home"] if home_flag(home) is not None else [])
    summary = {}
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        summary[name] = {
            "value": None if value is None else str(value),
            "source": origins[name],
            "env": f"SENTIFLOW_{name.upper()}",
            "description": field.description,
        }

    def render(s: dict) -> None:
        table = Table("setting", "value", "from", "environment variable", "meaning")
        for name, row in s.items():
            value = "(unset)" if row["value"] is None else row["value"]
            table.add_row(name, value, row["source"], row["env"], row["description"])
        console.print(table)

    emit(summary, as_json, render)
