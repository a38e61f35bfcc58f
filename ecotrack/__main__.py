"""`python -m ecotrack` runs the command-line interface."""

from ecotrack.cli.app import main

main()
