"""`python -m replay.cli`: the same as the `defi-ledger` command."""

from replay.cli import main

main()
