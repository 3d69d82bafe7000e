"""Gunicorn settings shared by the Procfile (Elastic Beanstalk) and `make run`."""

import errno
import multiprocessing
import os
import signal
import socket

from gunicorn.workers.gthread import ThreadWorker

HOST = os.environ.get("HOST", "127.0.0.1")  # EB's nginx proxies to 127.0.0.1
PORT = int(os.environ.get("PORT", 8000))  # TCP port
WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", 2))  # worker processes: one per vCPU of a t3.micro
GUNICORN_THREADS = int(os.environ.get("GUNICORN_THREADS", 4))  # threads per worker
GUNICORN_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # seconds a request may take
CLIENT_TIMEOUT = float(os.environ.get("CLIENT_TIMEOUT", 30))  # seconds a client may pause mid-request

# A worker stops accepting while it holds this many connections more than the least loaded worker.
BALANCE_SLACK = 1
ACCEPT_RECHECK = 0.01  # seconds between checks of a worker that is not accepting
# Per worker slot, shared by the master and the workers: [state, connections held]. Twice the workers, as a
# reload runs the new workers beside the old ones for a while; a worker beyond them (more workers asked on
# the command line) is not counted by the others. Few slots: each worker reads them all before each wait.
SLOTS = 2 * WEB_CONCURRENCY + 2
SHARED = multiprocessing.RawArray("q", 2 * SLOTS)
# Slot states. A reserved slot waits for a worker that the master is about to fork: it counts as a worker
# holding no connection, so that the workers already running take no more than their share meanwhile.
FREE, RESERVED, TAKEN = 0, 1, 2


class ClientSocket(socket.socket):
    """A client's socket whose blocking mode gives up after CLIENT_TIMEOUT seconds without a byte."""

    def setblocking(self, flag):
        self.settimeout(CLIENT_TIMEOUT if flag else 0.0)

    def recv(self, size, flags=0):
        try:
            return super().recv(size, flags)
        except TimeoutError:
            # As a reset, which gunicorn drops quietly: it logs any other socket error with a traceback, at ERROR.
            raise ConnectionResetError(errno.ECONNRESET, f"nothing received for {CLIENT_TIMEOUT:g} s") from None


# All workers wait on one socket and the first awake takes a connection: in a burst that can be every
# connection, and a kept-alive one never moves, so one worker would serve that client alone while the other
# idles (README, "Uneven workers").
class BalancedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker, except that it stops accepting while it holds more than BALANCE_SLACK
    connections above the least loaded worker."""

    slot = None  # set by pre_fork before the worker starts
    master_signals = None  # set by post_fork

    def init_signals(self):
        super().init_signals()
        # Until now the master's handlers, inherited through the fork, ran for this process: they only queue a
        # signal, so a SIGTERM sent just after the fork (a stop right after start-up) was lost and the worker
        # served on until the master killed it, graceful_timeout later.
        while self.master_signals is not None and not self.master_signals.empty():
            if self.master_signals.get_nowait() in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
                self.alive = False

    @property
    def nr_conns(self):
        return self._connections

    @nr_conns.setter
    def nr_conns(self, count):
        # gthread counts its connections here; the others read the count as soon as it changes.
        self._connections = count
        if self.slot is not None:
            SHARED[2 * self.slot + 1] = count

    @property
    def worker_connections(self):
        # gthread reads this before each wait for events, to decide whether to accept.
        others = [SHARED[2 * i + 1] for i in range(SLOTS) if SHARED[2 * i] != FREE and i != self.slot]
        return min(self._limit, min(others) + BALANCE_SLACK) if others else self._limit

    @worker_connections.setter
    def worker_connections(self, limit):
        self._limit = limit

    def handle(self, conn):
        # gthread reads a request's headers and body in blocking mode, without a timeout: a client that stops
        # halfway would hold this thread until it hangs up, and as many such clients as threads would shut
        # every other client out (README, "Reliability"). gthread sets blocking mode before each request.
        if type(conn.sock) is socket.socket:
            sock = conn.sock
            conn.sock = ClientSocket(sock.family, sock.type, sock.proto, sock.detach())
        return super().handle(conn)

    def wait_for_and_dispatch_events(self, timeout):
        # A worker that is not accepting looks again soon rather than after gthread's second: the others may
        # have caught up meanwhile, and every worker may be waiting for another to accept.
        super().wait_for_and_dispatch_events(timeout if self._accepting else ACCEPT_RECHECK)


def when_ready(server):
    """Reserve a slot for each worker of the first spawn, before any is forked."""
    # The master forks the workers one after the other, up to 0.1 s apart: without this, the first worker
    # would accept every connection of a burst that comes before the second exists (README, "Uneven workers").
    for i in range(min(server.num_workers, SLOTS)):
        SHARED[2 * i], SHARED[2 * i + 1] = RESERVED, 0


def pre_fork(server, worker):
    """Give the worker about to be forked a slot of SHARED, a reserved one first (the master alone hands them
    out)."""
    if isinstance(worker, BalancedThreadWorker):
        states = SHARED[0::2]
        slot = RESERVED if RESERVED in states else FREE
        worker.slot = states.index(slot) if slot in states else None
        if worker.slot is not None:
            SHARED[2 * worker.slot], SHARED[2 * worker.slot + 1] = TAKEN, 0


def post_fork(server, worker):
    """Give the worker, just forked, the master's signal queue, which it fills until it has its own handlers."""
    worker.master_signals = server.SIG_QUEUE


def child_exit(server, worker):
    """Zero the slot of a worker that exited: reserved for the worker that replaces it, else freed, so that its
    last count does not hold the others back."""
    if getattr(worker, "slot", None) is not None:
        # The master has removed the worker already: fewer workers than asked means a replacement comes.
        replaced = len(server.WORKERS) < server.num_workers
        SHARED[2 * worker.slot], SHARED[2 * worker.slot + 1] = (RESERVED if replaced else FREE), 0


bind = f"{HOST}:{PORT}"
workers = WEB_CONCURRENCY
threads = GUNICORN_THREADS
worker_class = BalancedThreadWorker
timeout = GUNICORN_TIMEOUT
graceful_timeout = GUNICORN_TIMEOUT
# Load the models once in the master before forking: one download, pages shared by the workers.
preload_app = True
# Longer than nginx's upstream keepalive so that nginx, not gunicorn, closes idle connections.
keepalive = 75
# The application logs one JSON line per request itself.
accesslog = None
# No control socket: nothing uses it, and EB's webapp user may have no writable home for it.
control_socket_disable = True
