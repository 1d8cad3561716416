"""Tasks on a ``dask.distributed`` cluster: ``gdexplain render --cluster tcp://HOST:8786``.

Each worker runs :func:`gdexplain.parallel.run_task`, the same function local
worker processes run, and sends back the rendered files' bytes; nothing
assumes a file system shared with this machine. Every worker needs a
checkout of the same commit installed (``pip install -e '.[cluster]'``); a
task refuses to run on a worker whose sources differ. Manim keeps its
settings in one global per process, so tasks that land on threads of the
same worker process take turns: start workers with ``--nthreads 1`` and as
many processes (``--nworkers``) as the machine has cores.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from gdexplain.core.errors import InputError

if TYPE_CHECKING:
    from gdexplain.parallel import Runner, Task, TaskOutput

CONNECT_TIMEOUT_S = 10
_ADDRESS = re.compile(r"(?:(?:tcp|tls)://)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")


def check_address(address: str) -> str:
    """``address`` if it is a scheduler address (``tcp://HOST:PORT``, ``tls://…`` or ``HOST:PORT``); else a one-line error.

    Checked before Dask sees it: its client, given a malformed address,
    fails only after stalling (and again, for 20 s, when it is collected).
    """
    text = address.strip()
    match = _ADDRESS.fullmatch(text)
    if not match or not 1 <= int(match[1]) <= 65535:
        shown = f"{address!r} is not an address" if text else "is empty"
        raise InputError(f"--cluster {shown}: --cluster needs tcp://HOST:PORT, the Dask scheduler's address (e.g. tcp://10.0.0.5:8786)")
    return text


def runner(address: str) -> tuple[Runner, int]:
    """A runner sending tasks to the scheduler at ``address``, and how many worker processes it has."""
    address = check_address(address)
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            "--cluster needs dask.distributed: run `bash scripts/setup.sh` (or pip install -e '.[cluster]')"
        ) from None
    def connect() -> Client:
        try:
            return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise InputError(
                f"cannot reach the Dask scheduler at {address} ({reason[:120]}): start one with `dask scheduler` "
                "and workers with `dask worker ADDRESS --nthreads 1`"
            ) from None

    with connect() as client:
        workers = len(client.scheduler_info().get("workers", {}))
    if workers == 0:
        raise InputError(f"the Dask scheduler at {address} has no workers: start some with `dask worker {address} --nthreads 1`")

    def run(tasks: Iterable[Task]) -> Iterator[tuple[int, TaskOutput]]:
        client = connect()  # one connection per batch: a render may send a second batch (chunks cut again)
        batch = uuid.uuid4().hex[:8]
        futures = [client.submit(run_on_worker, task, key=f"gdexplain-{batch}-{i}-{task.slug}", pure=False) for i, task in enumerate(tasks)]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=client.loop):
                yield index[future.key], future.result()
        finally:
            client.cancel(futures)
            client.close()

    return run, workers


def run_on_worker(task: Task) -> TaskOutput:
    """:func:`gdexplain.parallel.run_task` on a Dask worker, with the worker's statistical profiler off.

    The profiler samples the running task's stack every 10 ms; on a render's
    deep Python stacks that cost about a fifth of the render's time here
    (two scenes at low quality: 60 s with it, 51 s without, 41 s in local
    worker processes). Progress bars are off too, as in local workers.
    """
    from distributed import get_worker
    from manim import config

    from gdexplain.parallel import run_task

    worker = get_worker()
    for name in ("profile", "profile-cycle"):
        callback = worker.periodic_callbacks.get(name)
        if callback is not None:
            worker.loop.add_callback(callback.stop)  # callbacks belong to the worker's event loop thread
    config.progress_bar = "none"
    return run_task(task)
