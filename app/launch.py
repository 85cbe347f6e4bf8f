"""The `newsdesk` command's entry point: a call into `app.cli`, and nothing else.

`newsdesk serve --workers N` starts each worker with multiprocessing's `spawn`, which runs
the command's script again (as `__mp_main__`) before the worker starts: the script
imports this module, and this module imports nothing. A worker so loads no Typer and no
command definitions (1.4 MB of each worker's memory, issue 21); it imports the app
from `app.main` alone. With one worker, the command's own process serves.
"""


def main() -> None:
    from app.cli import main as run

    run()
