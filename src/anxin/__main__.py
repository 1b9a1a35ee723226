"""`python -m anxin` runs the CLI."""

from anxin.cli import app

app()
