"""Host groups (which portals one job crawls) and the per-group lease on a real ``redis-server``."""

from __future__ import annotations

import threading
import time

import pytest
from queue_harness import RedisServer, needs_redis

from archive.queue.groups import PortalJob, host_groups
from archive.queue.lease import HostLease, LeaseLost


def job(pid: str, *hosts: str) -> PortalJob:
    return PortalJob(pid, list(hosts))


def test_portals_sharing_a_host_form_one_group_transitively():
    groups = host_groups([job("a", "x.gov.cn"), job("b", "y.gov.cn"), job("c", "z.gov.cn", "x.gov.cn"),
                          job("d", "y.gov.cn", "w.gov.cn"), job("e", "v.gov.cn"), job("a", "x.gov.cn")])  # fmt: skip
    assert [[p.portal_id for p in g.portals] for g in groups] == [["a", "c"], ["b", "d"], ["e"]]
    assert groups[0].hosts == ["x.gov.cn", "z.gov.cn"]
    assert len({g.key for g in groups}) == 3
    # the key depends on the hosts only: the same group enqueued again gets the same job id
    assert host_groups([job("c", "z.gov.cn", "x.gov.cn")])[0].key == groups[0].key
    # a portal bridging two groups joins them
    bridged = host_groups([job("a", "x.gov.cn"), job("b", "y.gov.cn"), job("c", "x.gov.cn", "y.gov.cn")])
    assert [[p.portal_id for p in g.portals] for g in bridged] == [["a", "b", "c"]]


@pytest.fixture
def redis(tmp_path):
    with RedisServer(tmp_path / "redis") as server:
        yield server.client()


@needs_redis
def test_a_second_holder_waits_for_the_release_and_the_delay(redis):
    first = HostLease(redis, "g1", delay=0.4, ttl=5)
    second = HostLease(redis, "g1", delay=0.4, ttl=5)
    first.acquire()
    got: list[float] = []
    thread = threading.Thread(target=lambda: (second.acquire(), got.append(time.monotonic())))
    thread.start()
    time.sleep(0.5)
    assert not got  # held
    released = time.monotonic()
    assert first.release()
    thread.join(5)
    assert got and got[0] - released >= 0.4 - 0.01  # the group's host rests for the delay
    assert not first.release()  # no longer the holder: nothing happens
    assert second.holder() == second.token
    other = HostLease(redis, "g2", delay=0.4, ttl=5)
    started = time.monotonic()
    other.acquire()  # another group is not held up
    assert time.monotonic() - started < 0.3


@needs_redis
def test_a_dead_holders_lease_expires_and_it_cannot_renew_it_afterwards(redis):
    dead = HostLease(redis, "g3", delay=0.1, ttl=1)
    dead.acquire()  # and never renewed again
    heir = HostLease(redis, "g3", delay=0.1, ttl=1)
    started = time.monotonic()
    heir.acquire(timeout=5)
    assert 0.9 <= time.monotonic() - started < 3
    with pytest.raises(LeaseLost):
        dead.renew()
    heir.renew()
    with pytest.raises(TimeoutError):
        HostLease(redis, "g3", delay=0.1, ttl=1).acquire(timeout=0.3)
    assert HostLease(redis, "g4", delay=2, ttl=1).ttl == 6  # outlives its last renewal by two delays
