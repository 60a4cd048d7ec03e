"""Allow ``python -m crosswire``."""

from crosswire.cli import main

main()
