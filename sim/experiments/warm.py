"""Imported by the batch workers' forkserver: it loads the compiled graph generator once, so
every worker forked from the server has it ready (each would spend 0.2 s loading it)."""

from sim.model.network import holme_kim

holme_kim(10, 2, 0.3, 0)
