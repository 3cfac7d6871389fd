"""``python -m gdprmap``: the same command line as ``gdprmap``."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="gdprmap")
