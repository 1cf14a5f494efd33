"""`python -m chipwatch`, and the `chipwatch` command (pyproject.toml)."""

import gc


def run() -> None:
    # The imports build ~140,000 objects that live as long as the process: collecting
    # while they are built finds nothing to free and cost ~0.2 s of every run. main()
    # freezes them out of the collector's sight and turns it back on.
    gc.disable()
    from chipwatch.cli import main

    main()


if __name__ == "__main__":
    run()
