"""Scale-out on Redis and RQ: crawl and extraction jobs run by workers, each into its own shard.

* :mod:`~archive.queue.groups` – portals that share a host form one *host group*: one job;
* :mod:`~archive.queue.enqueue` – ``nianbao queue crawl`` / ``queue extract`` put jobs on the queues;
* :mod:`~archive.queue.jobs` – what a worker runs: a group's crawl (each portal in its own
  process, into the worker's shard) or a batch of extractions (into the extraction cache);
* :mod:`~archive.queue.lease` – a Redis lease per host group, renewed while its job runs, and the
  delay kept between two jobs of one group (politeness across workers);
* :mod:`~archive.queue.worker` – ``nianbao worker``: an RQ worker on one shard;
* :mod:`~archive.queue.status` – ``nianbao queue status``: jobs per host group.

Shards are merged into the archive with ``nianbao merge`` (:mod:`archive.store.merge`).
"""
