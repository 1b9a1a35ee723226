"""`python -m anxin.risk ...`: the `anxin risk` commands, also before `anxin.cli` mounts them."""

from anxin.risk.cli import risk_app

risk_app(prog_name="anxin risk")
