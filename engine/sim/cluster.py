"""A seeded simulated blobstore cluster: IDCs, hosts, disks, erasure-coded volumes and their chunks (vuids).

Every unit of a volume lives on a disk of a distinct host; multi-AZ code modes spread their units over the
IDCs in blocks, as CubeFS does. The engine picks migration destinations here, as Clustermgr does upstream:
a normal disk in the source's IDC, on a host that holds no other unit of the volume, with room for the chunk.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from ..model import CodeMode, DiskInfo, DiskStatus, VunitLocation, make_vuid, split_vuid
from .compact import ChunkSet, Units

GiB = 1024**3
PORT = 8889
SAMPLE = 64


@dataclass(frozen=True, slots=True)
class ClusterShape:
    """How big a cluster to generate. The default is the cheap demo cluster."""

    idcs: int = 3
    hosts_per_idc: int = 4
    disks_per_host: int = 4
    volumes: int = 36
    code_modes: tuple[CodeMode, ...] = (CodeMode.EC3P3, CodeMode.EC6P6, CodeMode.EC3P3)
    chunk_gib: tuple[int, int] = (1, 16)
    disk_capacity_gib: tuple[int, int] = (1024, 2048)
    disks: int | None = None
    """At most this many disks (the last host gets fewer); None: idcs x hosts_per_idc x disks_per_host."""

    @property
    def disk_count(self) -> int:
        full = self.idcs * self.hosts_per_idc * self.disks_per_host
        return full if self.disks is None else min(full, self.disks)

    @classmethod
    def for_disks(cls, disks: int) -> ClusterShape:
        """A cluster of exactly ``disks`` disks shaped like :meth:`large` (2 volumes per disk, ~28 chunks each).

        From 1 280 disks up: 4 IDCs of hosts with 20 disks (``for_disks(10_000) == large()``); smaller clusters
        have 4-disk hosts, below 64 disks 3 IDCs with the demo's smaller code modes and below 48 one disk per
        host, so that their volumes fit (fewer than 3 disks hold no volume at all).
        """
        if disks < 1:
            raise ValueError(f"a cluster needs at least one disk, not {disks}")
        per_host = 20 if disks >= 1_280 else 4 if disks >= 48 else 1
        idcs = 4 if disks >= 64 else 3
        hosts = -(-disks // (idcs * per_host))
        modes: tuple[CodeMode, ...] = (CodeMode.EC6P6, CodeMode.EC12P4)
        if disks < 64:  # every unit of a volume needs a host of its own
            modes = (CodeMode.EC3P3, CodeMode.EC6P6) if disks >= 12 else (CodeMode.EC3P3,)
            modes = modes if disks >= 6 else (CodeMode.Replica3,)
        return cls(
            idcs=idcs,
            hosts_per_idc=hosts,
            disks_per_host=per_host,
            volumes=2 * disks,
            code_modes=modes,
            disks=None if idcs * hosts * per_host == disks else disks,
        )

    @classmethod
    def large(cls, volumes: int = 20_000) -> ClusterShape:
        """10 000 disks: 4 IDCs x 125 hosts x 20 disks, EC6P6/EC12P4 volumes spread over the IDCs (~28 chunks/disk)."""
        return cls(
            idcs=4,
            hosts_per_idc=125,
            disks_per_host=20,
            volumes=volumes,
            code_modes=(CodeMode.EC6P6, CodeMode.EC12P4),
        )


@dataclass(slots=True)
class Host:
    url: str
    ip: str
    idc: str
    silent: bool = False


@dataclass(slots=True)
class Disk:
    disk_id: int
    host: str
    idc: str
    capacity: int
    base_used: int
    status: DiskStatus = DiskStatus.NORMAL
    held: bool = False
    """A repair or drop that was aborted or failed: the scheduler leaves this disk alone until told again."""
    used: int = 0
    reserved: int = 0
    chunks: ChunkSet = field(default_factory=ChunkSet)

    @property
    def free(self) -> int:
        return self.capacity - self.used - self.reserved

    @property
    def fill(self) -> float:
        return (self.used + self.reserved) / self.capacity

    def info(self) -> DiskInfo:
        return DiskInfo(
            disk_id=self.disk_id,
            host=self.host,
            idc=self.idc,
            capacity=self.capacity,
            used=self.used,
            status=self.status,
            chunk_count=len(self.chunks),
        )

    def to_row(self) -> tuple:
        return (self.disk_id, self.host, self.idc, self.capacity, self.base_used, self.status.value, int(self.held))


@dataclass(slots=True)
class Volume:
    vid: int
    code_mode: CodeMode
    chunk_size: int
    units: Units
    """(vuid, disk_id) per unit index."""
    pending: dict[int, int] = field(default_factory=dict)
    """unit index -> destination disk chosen for a migration in flight."""


class Cluster:
    """The cluster's topology and chunk placement, with the set of disks/volumes changed since the last save."""

    def __init__(self, name: str = "schedtop") -> None:
        self.name = name
        self.hosts: dict[str, Host] = {}
        self.disks: dict[int, Disk] = {}
        self.volumes: dict[int, Volume] = {}
        self.dirty_disks: set[int] = set()
        self.dirty_volumes: set[int] = set()
        self.hosts_dirty = True
        self.status_version = 0
        """Counts disk status changes (:meth:`set_status`): readers that scan every disk for a status (the demo's
        replacements, the snapshot's counts by status) redo it only when this moved."""
        self._by_status: tuple[tuple[int, int], dict[str, int]] = ((-1, -1), {})
        self.idc_hosts: dict[str, list[str]] = {}
        self.host_disks: dict[str, list[Disk]] = {}
        self.idc_disks: dict[str, list[Disk]] = {}

    def reindex(self) -> None:
        """Rebuild the lookups by IDC and host (after the topology is generated or loaded)."""
        self.idc_hosts = {}
        self.host_disks = {url: [] for url in self.hosts}
        self.idc_disks = {}
        for url, host in sorted(self.hosts.items()):
            self.idc_hosts.setdefault(host.idc, []).append(url)
        for disk in self.disks.values():
            self.host_disks.setdefault(disk.host, []).append(disk)
            self.idc_disks.setdefault(disk.idc, []).append(disk)

    # -- construction ---------------------------------------------------------------------------------------
    @classmethod
    def generate(cls, rng: random.Random, shape: ClusterShape = ClusterShape()) -> Cluster:
        cluster = cls()
        disk_id = 100
        limit = shape.disk_count
        for i in range(shape.idcs):
            idc = f"z{i}"
            for n in range(1, shape.hosts_per_idc + 1):
                if len(cluster.disks) >= limit:
                    break
                ip = f"10.0.{i}.{n}" if n < 256 else f"10.{i + 1}.{n // 256}.{n % 256}"  # big IDCs stay valid
                url = f"http://{ip}:{PORT}"
                cluster.hosts[url] = Host(url=url, ip=ip, idc=idc)
                for _ in range(shape.disks_per_host):
                    if len(cluster.disks) >= limit:
                        break
                    disk_id += 1
                    capacity = rng.randint(*shape.disk_capacity_gib) * GiB
                    base = int(capacity * rng.uniform(0.05, 0.6))
                    cluster.disks[disk_id] = Disk(disk_id, url, idc, capacity, base, used=base)
        cluster.reindex()
        cluster._place_volumes(rng, shape)
        cluster.dirty_disks = set(cluster.disks)
        cluster.dirty_volumes = set(cluster.volumes)
        return cluster

    def _place_volumes(self, rng: random.Random, shape: ClusterShape) -> None:
        """The shape's volumes, each unit on a disk with room, a host of its own, spread over the IDCs when the
        code mode allows. A big cluster places ~1.4 million units, so the loop is tight: the hosts each unit index
        may use are worked out once per code mode, and a unit tries one random disk of one random host before the
        general search (:meth:`_fitting_disk`)."""
        idcs = self.idcs
        every_host = [h for idc in idcs for h in self.idc_hosts[idc]]
        fewest = min(len(self.idc_hosts.get(idc, [])) for idc in idcs)
        hosts_by_mode: dict[CodeMode, list[list[str]]] = {}
        for mode in shape.code_modes:
            count = mode.unit_count
            spread = count % len(idcs) == 0 and count // len(idcs) <= fewest
            hosts_by_mode[mode] = [
                self.idc_hosts[idcs[index * len(idcs) // count]] if spread else every_host for index in range(count)
            ]
        draw, host_disks, volumes = rng.random, self.host_disks, self.volumes
        vid = 1000
        for _ in range(shape.volumes):
            vid += rng.randint(1, 9)
            mode = rng.choice(shape.code_modes)
            size = rng.randint(*shape.chunk_gib) * GiB - rng.randint(0, GiB // 2)
            used_hosts: set[str] = set()
            chosen: list[Disk] = []
            for hosts in hosts_by_mode[mode]:
                host = hosts[int(draw() * len(hosts))]
                if host not in used_hosts:
                    disks = host_disks[host]
                    disk = disks[int(draw() * len(disks))]
                    if disk.capacity - disk.used - disk.reserved >= size:  # d.free, inlined
                        used_hosts.add(host)
                        chosen.append(disk)
                        continue
                found = self._fitting_disk(rng, hosts, used_hosts, size)
                if found is None:
                    break
                used_hosts.add(found.host)
                chosen.append(found)
            else:
                vuids = [make_vuid(vid, index, 1) for index in range(len(chosen))]
                volumes[vid] = Volume(vid, mode, size, Units.of(vuids, [disk.disk_id for disk in chosen]))
                for vuid, disk in zip(vuids, chosen, strict=True):
                    disk.chunks.add_new(vuid)
                    disk.used += size

    def _fitting_disk(self, rng: random.Random, hosts: list[str], used: set[str], size: int) -> Disk | None:
        """A random disk with room on a random host not in ``used``: a few random tries, then a full scan.

        Generating a big cluster places ~500 000 units: pick indexes by ``rng.random()`` (a third of ``choice``'s
        cost) and try a random disk of the host before listing the ones with room (rejection sampling: the same
        uniform choice among them).
        """
        host_disks, draw, host_count = self.host_disks, rng.random, len(hosts)
        for _ in range(min(16, host_count)):
            host = hosts[int(draw() * host_count)]
            if host in used:
                continue
            disks = host_disks[host]
            for _ in range(4):
                disk = disks[int(draw() * len(disks))]
                if disk.capacity - disk.used - disk.reserved >= size:  # d.free, inlined
                    return disk
            fitting = [d for d in disks if d.capacity - d.used - d.reserved >= size]
            if fitting:
                return fitting[int(draw() * len(fitting))]
        fitting = [d for h in hosts if h not in used for d in self.host_disks[h] if d.free >= size]
        return rng.choice(fitting) if fitting else None

    # -- queries --------------------------------------------------------------------------------------------
    @property
    def idcs(self) -> list[str]:
        return sorted(self.idc_hosts) if self.idc_hosts else sorted({h.idc for h in self.hosts.values()})

    def disk(self, disk_id: int) -> Disk | None:
        return self.disks.get(disk_id)

    def host_by_name(self, name: str) -> Host | None:
        """A host by its URL, ``ip:port`` or bare IP (Ocient's node names map to hosts this way)."""
        for host in self.hosts.values():
            if name in (host.url, host.ip, f"{host.ip}:{PORT}"):
                return host
        return None

    def locate(self, vuid: int) -> tuple[Volume, int] | None:
        """The volume and unit index currently holding ``vuid`` (its epoch must be current)."""
        volume = self.volumes.get(vuid >> 32)  # split_vuid, inlined: a wave locates a million units
        if volume is None:
            return None
        index, vuids = (vuid >> 24) & 0xFF, volume.units.vuids
        if index >= len(vuids) or vuids[index] != vuid:
            return None
        return volume, index

    def sources(self, volume: Volume) -> list[VunitLocation]:
        return [VunitLocation(vuid=vuid, host=self.disks[did].host, disk_id=did) for vuid, did in volume.units]

    # -- placement decisions --------------------------------------------------------------------------------
    def pick_destination(self, volume: Volume, index: int) -> Disk | None:
        """Choose where unit ``index`` of ``volume`` goes; reserves the room. None when no disk fits now.

        Like Clustermgr: a normal disk in the source's IDC (any IDC if none fits), on a host holding no other
        unit of the volume, with room; the emptiest of a bounded sample, so big clusters stay cheap.
        """
        source = self.disks[volume.units[index][1]]
        busy_hosts = {self.disks[did].host for i, (_, did) in enumerate(volume.units) if i != index}
        busy_hosts |= {self.disks[did].host for i, did in volume.pending.items() if i != index}

        def fits(disk: Disk) -> bool:
            return (
                disk.status is DiskStatus.NORMAL
                and not disk.held
                and disk.disk_id != source.disk_id
                and disk.host not in busy_hosts
                and not self.hosts[disk.host].silent
                and disk.free >= volume.chunk_size
            )

        local = self.idc_disks.get(source.idc, [])
        step = max(1, len(local) // SAMPLE)
        pools = [local[(volume.vid + index) % step :: step] if step > 1 else local, local]
        pools.append(list(self.disks.values()))
        best: Disk | None = None
        for pool in pools:
            candidates = [d for d in pool if fits(d)]
            if candidates:
                best = min(candidates, key=lambda d: (d.fill, d.disk_id))
                break
        if best is not None:
            best.reserved += volume.chunk_size
            volume.pending[index] = best.disk_id
        return best

    def release_destination(self, volume: Volume, index: int) -> None:
        """Give back the room reserved for a migration that will not complete."""
        dest = volume.pending.pop(index, None)
        if dest is not None:
            self.disks[dest].reserved = max(0, self.disks[dest].reserved - volume.chunk_size)

    def complete_migration(self, volume: Volume, index: int) -> int:
        """Move unit ``index`` to its reserved destination with a new epoch; returns the new vuid."""
        dest_id = volume.pending.pop(index)
        old_vuid, source_id = volume.units[index]
        vid, _, epoch = split_vuid(old_vuid)
        new_vuid = make_vuid(vid, index, (epoch + 1) % 2**24 or 1)
        source, dest = self.disks[source_id], self.disks[dest_id]
        source.chunks.discard(old_vuid)
        source.used = max(0, source.used - volume.chunk_size)
        dest.reserved = max(0, dest.reserved - volume.chunk_size)
        dest.used += volume.chunk_size
        dest.chunks.add(new_vuid)
        volume.units[index] = (new_vuid, dest_id)
        self.dirty_disks.update((source_id, dest_id))
        self.dirty_volumes.add(volume.vid)
        return new_vuid

    def set_status(self, disk: Disk, status: DiskStatus, held: bool | None = None) -> None:
        disk.status = status
        self.status_version += 1
        if held is not None:
            disk.held = held
        self.dirty_disks.add(disk.disk_id)

    def disks_by_status(self) -> dict[str, int]:
        """How many disks are in each status (sorted by status): counted again only after a status changed (every
        snapshot asks; 50 000 disks took ~5 ms)."""
        key = (self.status_version, len(self.disks))
        if self._by_status[0] != key:
            counts = Counter(d.status for d in self.disks.values())
            self._by_status = (key, dict(sorted((status.value, n) for status, n in counts.items())))
        return self._by_status[1]

    def fullest_disks(self, limit: int) -> list[Disk]:
        normal = [d for d in self.disks.values() if d.status is DiskStatus.NORMAL and d.chunks]
        return sorted(normal, key=lambda d: (-d.fill, d.disk_id))[:limit]

    def spread(self) -> float:
        """Fill of the fullest normal disk minus that of the emptiest: what balance tries to shrink."""
        fills = [d.fill for d in self.disks.values() if d.status is DiskStatus.NORMAL]
        return max(fills) - min(fills) if fills else 0.0
