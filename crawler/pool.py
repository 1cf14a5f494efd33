"""The extraction workers' process pool: spawned, each worker deaf to Ctrl-C from its
first instruction.

Ctrl-C in a terminal reaches the whole process group. The crawl's main process stops the
run and then the pool; a worker must not die of it on its own. `warm_up` ignores SIGINT
once a worker runs, but a worker still starting (importing its modules, which the pool
does lazily, one worker at a time, as pages come) would die of it with a traceback on
the user's terminal. So SIGINT is blocked while a worker is started: the signal mask
is inherited through fork and exec, as CPython's own resource tracker does it.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import SpawnContext, SpawnProcess

from crawler.extract import warm_up

_CAN_MASK = hasattr(signal, "pthread_sigmask")


class _DeafToCtrlCProcess(SpawnProcess):
    def start(self) -> None:
        if not _CAN_MASK:
            return super().start()
        # blocked, not ignored: a Ctrl-C meanwhile waits for the main process, not lost
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _WorkerContext(SpawnContext):
    Process = _DeafToCtrlCProcess


def extraction_pool(workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: forking a process that runs a reactor and holds database
    # connections copies both into every worker.
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_WorkerContext(),
        initializer=warm_up,
        initargs=(os.getpid(),),
    )
