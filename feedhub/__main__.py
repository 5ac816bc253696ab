"""`python -m feedhub` runs the command line."""

from feedhub.cli import main

main()
