"""docker-py (the Docker SDK for Python) against berthd, unchanged.

Usage: DOCKER_HOST=unix:///path/to/berthd.sock python3 scenarios.py <scenario>...

Each scenario drives the daemon through docker-py's high-level and low-level clients the way
tools built on the SDK do, and raises (exit status 1, traceback and message on stderr) at the
first answer that differs from dockerd's. The scenarios run with both docker-py 5.0.3 (Debian's
python3-docker) and 7.1.0, so nothing here may use an API only one of them has.
"""

import io
import os
import socket
import sys
import tarfile
import tempfile
import time
import urllib.request

import docker
from docker.errors import APIError, BuildError, ContainerError, ImageNotFound, NotFound
from docker.types import IPAMConfig, IPAMPool


def expect(condition, message):
    """Fails the scenario with `message` unless `condition` holds (kept under `python -O`)."""
    if not condition:
        raise AssertionError(message)


def expect_raises(kinds, call, what):
    """Runs `call`, which must raise one of `kinds`; returns the exception."""
    try:
        result = call()
    except kinds as error:
        return error
    raise AssertionError(f"{what}: expected {kinds}, got the result {result!r}")


def client():
    # from_env reads DOCKER_HOST; a short timeout turns a hung answer into a failure.
    return docker.from_env(timeout=30)


def scenario_system(c):
    expect(c.ping() is True, "ping is not True")
    version = c.version()
    for key in ("Version", "ApiVersion", "MinAPIVersion", "Os", "Arch", "KernelVersion",
                "GoVersion", "GitCommit", "Components", "Platform"):
        expect(key in version, f"version() has no {key}: {version}")
    expect(version["Os"] == "linux", f"Os: {version['Os']}")
    expect(any(comp.get("Name") == "Engine" for comp in version["Components"]),
           f"no Engine component: {version['Components']}")
    # docker-py negotiates (7.x, version="auto") or pins 1.41 (5.x): the daemon must serve it.
    expect(c.api.api_version in ("1.41", version["ApiVersion"]),
           f"client speaks {c.api.api_version}, daemon advertises {version['ApiVersion']}")
    info = c.info()
    for key in ("ID", "Name", "Containers", "ContainersRunning", "ContainersPaused",
                "ContainersStopped", "Images", "Driver", "ServerVersion", "OperatingSystem",
                "OSType", "Architecture", "NCPU", "MemTotal", "DockerRootDir", "KernelVersion",
                "CgroupDriver", "LoggingDriver", "Swarm", "Plugins", "RegistryConfig"):
        expect(key in info, f"info() has no {key}: {sorted(info)}")
    expect(info["Images"] >= 1, f"Images: {info['Images']}")
    expect(info["NCPU"] >= 1 and info["MemTotal"] > 0, "NCPU/MemTotal not set")
    # docker-py's swarm helpers read this one.
    expect("LocalNodeState" in info["Swarm"], f"Swarm: {info['Swarm']}")
    df = c.df()
    for key in ("LayersSize", "Images", "Containers", "Volumes"):
        expect(key in df, f"df() has no {key}: {sorted(df)}")


def scenario_run(c):
    # Non-detached run: docker-py follows the logs, waits, and returns stdout.
    out = c.containers.run("busybox", "echo hi", remove=True)
    expect(out == b"hi\n", f"run echo hi gave {out!r}")
    out = c.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"],
                           stdout=False, stderr=True, remove=True)
    expect(out == b"err\n", f"stderr-only run gave {out!r}")

    # Detached: wait, then logs.
    ct = c.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2; exit 3"],
                          detach=True, name="py-detached")
    expect(ct.name == "py-detached", f"name {ct.name}")
    status = ct.wait(timeout=20)
    expect(status["StatusCode"] == 3, f"wait gave {status}")
    expect(ct.logs(stdout=True, stderr=False) == b"out\n", f"stdout logs {ct.logs(stderr=False)!r}")
    expect(ct.logs(stdout=False, stderr=True) == b"err\n", f"stderr logs {ct.logs(stdout=False)!r}")
    expect(sorted(ct.logs().splitlines()) == [b"err", b"out"], f"logs {ct.logs()!r}")
    stamped = ct.logs(timestamps=True, stderr=False)
    expect(stamped.endswith(b"Z out\n"), f"timestamped logs {stamped!r}")
    ct.reload()
    expect(ct.status == "exited", f"status {ct.status}")
    expect(ct.attrs["State"]["ExitCode"] == 3, f"State {ct.attrs['State']}")
    ct.remove()

    # A failing command: ContainerError carries the exit status and stderr.
    err = expect_raises(ContainerError,
                        lambda: c.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 2"],
                                                 remove=True),
                        "run of a failing command")
    expect(err.exit_status == 2, f"exit_status {err.exit_status}")
    expect(b"bad" in err.stderr, f"stderr {err.stderr!r}")

    # A missing executable: the start fails with dockerd's 400 and runc's wording.
    err = expect_raises(APIError, lambda: c.containers.run("busybox", "/nope"),
                        "run of a missing absolute path")
    expect(err.status_code == 400, f"status {err.status_code}: {err}")
    expect("/nope" in str(err) and "no such file or directory" in str(err), str(err))
    err = expect_raises(APIError, lambda: c.containers.run("busybox", "nope-not-here"),
                        "run of a command not in $PATH")
    expect(err.status_code == 400, f"status {err.status_code}: {err}")
    expect("executable file not found" in str(err), str(err))
    # dockerd keeps the container, created, with exit code 127.
    left = c.containers.list(all=True, filters={"ancestor": "busybox", "status": "created"})
    expect(len(left) == 2, f"created containers left: {[x.attrs['Args'] for x in left]}")
    for ct in left:
        ct.reload()
        expect(ct.attrs["State"]["ExitCode"] == 127, f"State {ct.attrs['State']}")
        ct.remove()

    # Attach before start, then read the live stream to its end.
    ct = c.containers.create("busybox", ["sh", "-c", "echo a; sleep 0.2; echo b >&2"])
    stream = ct.attach(stdout=True, stderr=True, stream=True, logs=True)
    ct.start()
    data = b"".join(stream)
    expect(data == b"a\nb\n", f"attach stream {data!r}")
    expect(ct.wait(timeout=20)["StatusCode"] == 0, "attached container failed")
    ct.remove()

    # Environment, working dir, user and a TTY container's raw logs.
    out = c.containers.run("busybox", ["sh", "-c", "echo $A-$(pwd)-$(id -u)"],
                           environment={"A": "x"}, working_dir="/tmp", user="nobody",
                           remove=True)
    expect(out == b"x-/tmp-65534\n", f"env/workdir/user run gave {out!r}")
    ct = c.containers.run("busybox", "echo tty", tty=True, detach=True)
    ct.wait(timeout=20)
    expect(ct.logs() == b"tty\r\n", f"tty logs {ct.logs()!r}")
    ct.remove()


def scenario_exec(c):
    ct = c.containers.run("busybox", "sleep 60", detach=True, name="py-exec")
    try:
        result = ct.exec_run("sh -c 'echo $X'", environment={"X": "1"})
        expect(tuple(result) == (0, b"1\n"), f"exec_run gave {result}")
        result = ct.exec_run(["sh", "-c", "echo from-exec; exit 3"])
        expect(tuple(result) == (3, b"from-exec\n"), f"exec_run exit 3 gave {result}")
        result = ct.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
        expect(result.output == (b"o\n", b"e\n"), f"demuxed exec gave {result}")
        result = ct.exec_run("pwd", workdir="/tmp", user="nobody")
        expect(result.output == b"/tmp\n", f"workdir exec gave {result}")
        result = ct.exec_run("tty", tty=True)
        expect(result.output == b"/dev/pts/0\r\n", f"tty exec gave {result}")
        chunks = ct.exec_run(["sh", "-c", "echo 1; sleep 0.1; echo 2"], stream=True)
        expect(chunks.exit_code is None, "a streamed exec has no exit code yet")
        expect(b"".join(chunks.output) == b"1\n2\n", "streamed exec output")
        # exec_run with detach returns at once; the process runs on.
        ct.exec_run(["sh", "-c", "echo bg > /tmp/bg"], detach=True)
        for _ in range(100):
            if ct.exec_run("cat /tmp/bg").output == b"bg\n":
                break
            time.sleep(0.05)
        else:
            raise AssertionError("detached exec never wrote /tmp/bg")
        missing = ct.exec_run("nope-not-here")
        expect(missing.exit_code == 126 or missing.exit_code == 127, f"missing exec {missing}")

        # The low-level API: exec_create/exec_start/exec_inspect.
        exec_id = c.api.exec_create(ct.id, ["sh", "-c", "exit 5"])["Id"]
        c.api.exec_start(exec_id)
        inspected = c.api.exec_inspect(exec_id)
        expect(inspected["ExitCode"] == 5 and inspected["Running"] is False, f"{inspected}")
        expect(inspected["ContainerID"] == ct.id, f"{inspected}")

        top = ct.top()
        expect("PID" in top["Titles"], f"top titles {top['Titles']}")
        command = top["Titles"].index("CMD")
        expect(any("sleep" in row[command] for row in top["Processes"]), f"top {top}")
    finally:
        ct.remove(force=True)
    expect_raises(NotFound, lambda: c.containers.get(ct.id), "get after forced remove")


def scenario_lifecycle(c):
    done = c.containers.run("busybox", "true", detach=True, name="py-exited")
    done.wait(timeout=20)
    live = c.containers.run("busybox", "sleep 60", detach=True, name="py-running",
                            labels={"suite": "docker-py"})
    exited_ids = [x.id for x in c.containers.list(all=True, filters={"status": "exited"})]
    expect(done.id in exited_ids and live.id not in exited_ids, f"exited filter {exited_ids}")
    running_ids = [x.id for x in c.containers.list()]
    expect(live.id in running_ids and done.id not in running_ids, f"list() {running_ids}")
    labelled = c.containers.list(filters={"label": "suite=docker-py"})
    expect([x.id for x in labelled] == [live.id], f"label filter {labelled}")
    named = c.containers.list(all=True, filters={"name": "py-"})
    expect(sorted(x.name for x in named) == ["py-exited", "py-running"], f"name filter {named}")
    expect(c.containers.get("py-running").id == live.id, "get by name")
    expect(c.containers.get(live.id[:12]).name == "py-running", "get by short id")
    expect(live.labels == {"suite": "docker-py"}, f"labels {live.labels}")
    expect(live.image.id == c.images.get("busybox").id, "container.image")
    sparse = c.containers.list(all=True, sparse=True)
    expect(sorted(x.id for x in sparse) == sorted([done.id, live.id]),
           f"sparse list {[x.id for x in sparse]}")

    stats = live.stats(stream=False)
    for key in ("read", "preread", "cpu_stats", "precpu_stats", "memory_stats", "pids_stats",
                "blkio_stats", "num_procs", "name", "id"):
        expect(key in stats, f"stats has no {key}: {sorted(stats)}")
    expect(stats["id"] == live.id and stats["name"] == "/py-running", f"{stats['name']}")
    expect(stats["cpu_stats"]["cpu_usage"]["total_usage"] > 0, f"{stats['cpu_stats']}")
    expect(stats["memory_stats"]["usage"] > 0, f"{stats['memory_stats']}")
    expect(stats["pids_stats"]["current"] >= 1, f"{stats['pids_stats']}")
    streamed = live.stats(decode=True, stream=True)
    first = next(streamed)
    expect(first["id"] == live.id, "streamed stats")
    streamed.close()

    live.pause()
    live.reload()
    expect(live.status == "paused", f"status after pause {live.status}")
    live.unpause()
    live.reload()
    expect(live.status == "running", f"status after unpause {live.status}")

    live.rename("py-renamed")
    live.reload()
    expect(live.name == "py-renamed", f"renamed {live.name}")

    # sleep as PID 1 ignores SIGTERM: stop falls back to SIGKILL after the timeout.
    started = time.monotonic()
    live.stop(timeout=1)
    expect(time.monotonic() - started < 10, "stop took too long")
    live.reload()
    expect(live.status == "exited" and live.attrs["State"]["ExitCode"] == 137,
           f"after stop: {live.attrs['State']}")
    live.start()
    live.reload()
    expect(live.status == "running", f"restarted: {live.status}")
    live.restart(timeout=1)
    live.reload()
    expect(live.status == "running", f"after restart: {live.status}")
    live.kill(signal="SIGKILL")
    expect(live.wait(timeout=20)["StatusCode"] == 137, "kill exit status")
    err = expect_raises(APIError, lambda: live.kill(), "kill of a stopped container")
    expect(err.status_code == 409, f"kill of a stopped container: {err.status_code} {err}")

    live.remove()
    done.remove(v=True)
    expect_raises(NotFound, lambda: c.containers.get("missing"), "get of a missing container")
    expect_raises(NotFound, lambda: done.remove(), "second remove")
    err = expect_raises(NotFound, lambda: c.api.inspect_container("missing"), "inspect missing")
    expect("No such container: missing" in str(err), str(err))

    forced = c.containers.run("busybox", "sleep 60", detach=True, auto_remove=True)
    err = expect_raises(APIError, lambda: forced.remove(), "remove of a running container")
    expect(err.status_code == 409, f"remove running: {err.status_code} {err}")
    forced.remove(force=True)
    expect(c.containers.list(all=True) == [], f"left over: {c.containers.list(all=True)}")
    pruned = c.containers.prune()
    expect("ContainersDeleted" in pruned and "SpaceReclaimed" in pruned, f"prune {pruned}")


def scenario_images(c):
    listed = c.images.list()
    expect(any("busybox:latest" in image.tags for image in listed), f"images.list {listed}")
    busybox = c.images.get("busybox")
    expect(busybox.tags == ["busybox:latest"], f"tags {busybox.tags}")
    expect(busybox.id.startswith("sha256:") and len(busybox.id) == 71, busybox.id)
    # 5.x shortens to 10 hex digits, 7.x to 12.
    expect(busybox.id.startswith(busybox.short_id), busybox.short_id)
    expect(c.images.get(busybox.id[7:19]).id == busybox.id, "get by short id")
    history = busybox.history()
    expect(len(history) >= 1 and "Created" in history[0], f"history {history}")
    expect(busybox.tag("pytag", "v1") is True, "tag did not return True")
    expect(c.images.get("pytag:v1").id == busybox.id, "tagged image id")
    busybox.reload()
    expect(sorted(busybox.tags) == ["busybox:latest", "pytag:v1"], f"tags {busybox.tags}")
    expect([image.id for image in c.images.list(name="pytag")] == [busybox.id],
           "images.list(name=)")
    expect(c.images.list(filters={"reference": "nosuch*"}) == [], "reference filter")
    c.images.remove("pytag:v1")
    expect_raises(ImageNotFound, lambda: c.images.get("pytag:v1"), "get of an untagged name")
    err = expect_raises(ImageNotFound, lambda: c.images.remove("pytag:v1"), "second rmi")
    expect(err.status_code == 404, str(err))

    # commit with changes, then run the new image.
    ct = c.containers.run("busybox", ["sh", "-c", "echo committed > /marker"], detach=True)
    ct.wait(timeout=20)
    committed = ct.commit(repository="pycommit", tag="1", message="py",
                          author="docker-py", changes=["ENV COMMITTED=yes"])
    expect(committed.tags == ["pycommit:1"], f"committed tags {committed.tags}")
    expect("COMMITTED=yes" in committed.attrs["Config"]["Env"], f"{committed.attrs['Config']}")
    expect(committed.attrs["Author"] == "docker-py", f"Author {committed.attrs.get('Author')}")
    ct.remove()
    out = c.containers.run("pycommit:1", ["sh", "-c", "cat /marker; echo $COMMITTED"],
                           remove=True)
    expect(out == b"committed\nyes\n", f"run of the committed image gave {out!r}")

    # save to bytes, remove, load back.
    saved = b"".join(committed.save(named=True))
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        names = archive.getnames()
    expect("manifest.json" in names, f"saved archive members {names}")
    c.images.remove("pycommit:1")
    expect_raises(ImageNotFound, lambda: c.images.get("pycommit:1"), "get after rmi")
    loaded = c.images.load(saved)
    expect([image.id for image in loaded] == [committed.id], f"load gave {loaded}")
    expect(c.images.get("pycommit:1").id == committed.id, "loaded tag")
    out = c.containers.run("pycommit:1", "cat /marker", remove=True)
    expect(out == b"committed\n", f"run of the loaded image gave {out!r}")

    # An image used by a container is a conflict unless forced.
    ct = c.containers.create("pycommit:1", "true")
    err = expect_raises(APIError, lambda: c.images.remove("pycommit:1"), "rmi of a used image")
    expect(err.status_code == 409, f"rmi of a used image: {err.status_code} {err}")
    ct.remove()
    c.images.remove(committed.id)
    expect_raises(ImageNotFound, lambda: c.images.get(committed.id), "get after rmi by id")
    err = expect_raises(ImageNotFound,
                        lambda: c.containers.create("nosuchimage:v9", "true"),
                        "create from a missing image")
    expect("No such image: nosuchimage:v9" in str(err), str(err))
    pruned = c.images.prune()
    expect("ImagesDeleted" in pruned and "SpaceReclaimed" in pruned, f"prune {pruned}")


def scenario_volumes(c):
    volume = c.volumes.create("pyvol", labels={"a": "b"})
    expect(volume.name == "pyvol" and volume.attrs["Driver"] == "local", f"{volume.attrs}")
    expect("pyvol" in [v.name for v in c.volumes.list()], "volumes.list")
    expect([v.name for v in c.volumes.list(filters={"label": "a=b"})] == ["pyvol"],
           "label filter")
    got = c.volumes.get("pyvol")
    expect(got.attrs["Labels"] == {"a": "b"}, f"Labels {got.attrs['Labels']}")
    expect(got.attrs["Mountpoint"].endswith("/volumes/pyvol/_data"), got.attrs["Mountpoint"])

    rw = {"pyvol": {"bind": "/data", "mode": "rw"}}
    out = c.containers.run("busybox", ["sh", "-c", "echo persisted > /data/f && echo ok"],
                           volumes=rw, remove=True)
    expect(out == b"ok\n", f"write run gave {out!r}")
    out = c.containers.run("busybox", "cat /data/f",
                           volumes={"pyvol": {"bind": "/data", "mode": "ro"}}, remove=True)
    expect(out == b"persisted\n", f"read run gave {out!r}")
    err = expect_raises(ContainerError,
                        lambda: c.containers.run("busybox", "touch /data/g",
                                                 volumes=["pyvol:/data:ro"], remove=True),
                        "write to a read-only volume")
    expect(b"Read-only file system" in err.stderr, f"{err.stderr!r}")

    # A volume in use cannot be removed; afterwards it is gone.
    ct = c.containers.create("busybox", "true", volumes=rw)
    mounts = ct.attrs["Mounts"]
    expect(len(mounts) == 1 and mounts[0]["Name"] == "pyvol" and mounts[0]["RW"] is True,
           f"Mounts {mounts}")
    err = expect_raises(APIError, lambda: volume.remove(), "remove of a volume in use")
    expect(err.status_code == 409, f"remove in use: {err.status_code} {err}")
    ct.remove()
    volume.remove()
    expect_raises(NotFound, lambda: c.volumes.get("pyvol"), "get of a removed volume")

    # An anonymous volume from a bind-less spec, removed with its container (v=True).
    ct = c.containers.run("busybox", "true", detach=True, volumes=["/anon"])
    ct.wait(timeout=20)
    anonymous = ct.attrs["Mounts"][0]["Name"]
    expect(len(anonymous) == 64, f"anonymous volume {anonymous}")
    ct.remove(v=True)
    expect_raises(NotFound, lambda: c.volumes.get(anonymous), "anonymous volume after rm -v")
    pruned = c.volumes.prune()
    expect("VolumesDeleted" in pruned, f"prune {pruned}")


def scenario_events(c):
    since = int(time.time())
    ct = c.containers.run("busybox", "true", detach=True, name="py-events")
    ct.wait(timeout=20)
    ct.remove()
    # until in the future: the stream ends by itself once that moment has passed.
    until = int(time.time()) + 1
    events = list(c.events(decode=True, since=since, until=until,
                           filters={"container": ct.id}))
    actions = [e["Action"] for e in events]
    expect(actions == ["create", "start", "die", "destroy"], f"actions {actions}")
    die = events[2]
    expect(die["Type"] == "container" and die["Actor"]["ID"] == ct.id, f"die event {die}")
    expect(die["Actor"]["Attributes"]["exitCode"] == "0", f"die attributes {die}")
    expect(die["Actor"]["Attributes"]["name"] == "py-events", f"die attributes {die}")
    # Fields kept for old clients, still in 1.41.
    expect(die["status"] == "die" and die["id"] == ct.id and die["from"] == "busybox", f"{die}")
    expect(isinstance(die["time"], int) and isinstance(die["timeNano"], int), f"{die}")

    # A live stream, closed by the client.
    stream = c.events(decode=True, filters={"type": "container", "event": "start"})
    ct = c.containers.run("busybox", "true", detach=True)
    event = next(stream)
    stream.close()
    expect(event["Action"] == "start" and event["id"] == ct.id, f"live event {event}")
    ct.wait(timeout=20)
    ct.remove()


def scenario_limits(c):
    host_config = c.api.create_host_config(mem_limit="32m", pids_limit=50, cpu_shares=512)
    created = c.api.create_container("busybox", "sleep 60", host_config=host_config,
                                     name="py-limits")
    inspected = c.api.inspect_container(created["Id"])
    expect(inspected["HostConfig"]["Memory"] == 33554432, f"Memory {inspected['HostConfig']}")
    expect(inspected["HostConfig"]["PidsLimit"] == 50, f"PidsLimit {inspected['HostConfig']}")
    expect(inspected["HostConfig"]["CpuShares"] == 512, f"CpuShares {inspected['HostConfig']}")
    c.api.start(created["Id"])
    stats = c.api.stats(created["Id"], stream=False)
    expect(stats["memory_stats"]["limit"] == 33554432, f"memory_stats {stats['memory_stats']}")
    expect(stats["pids_stats"].get("limit") == 50, f"pids_stats {stats['pids_stats']}")
    c.api.update_container(created["Id"], mem_limit="64m", memswap_limit="64m")
    inspected = c.api.inspect_container(created["Id"])
    expect(inspected["HostConfig"]["Memory"] == 67108864, f"updated {inspected['HostConfig']}")
    c.api.remove_container(created["Id"], force=True)

    out = c.containers.run("busybox", "cat /etc/hostname", hostname="pyhost", remove=True)
    expect(out == b"pyhost\n", f"hostname run gave {out!r}")
    out = c.containers.run("busybox", "sh -c 'ulimit -n'", remove=True,
                           ulimits=[docker.types.Ulimit(name="nofile", soft=321, hard=321)])
    expect(out == b"321\n", f"ulimit run gave {out!r}")
    out = c.containers.run("busybox", "cat /run/x/f", remove=True,
                           tmpfs={"/run/x": "size=1m"}, entrypoint=["sh", "-c",
                                                                    "echo t > /run/x/f; cat /run/x/f"])
    expect(out == b"t\n", f"tmpfs run gave {out!r}")


def scenario_archive(c):
    ct = c.containers.run("busybox", "sleep 60", detach=True)
    try:
        payload = io.BytesIO()
        with tarfile.open(fileobj=payload, mode="w") as archive:
            data = b"hello from docker-py\n"
            member = tarfile.TarInfo("hello.txt")
            member.size = len(data)
            member.mode = 0o640
            archive.addfile(member, io.BytesIO(data))
        expect(ct.put_archive("/tmp", payload.getvalue()) is True, "put_archive")
        result = ct.exec_run("cat /tmp/hello.txt")
        expect(result.output == data, f"file put there reads {result.output!r}")

        bits, stat = ct.get_archive("/tmp/hello.txt")
        expect(stat["name"] == "hello.txt" and stat["size"] == len(data), f"stat {stat}")
        with tarfile.open(fileobj=io.BytesIO(b"".join(bits))) as archive:
            member = archive.getmember("hello.txt")
            expect(archive.extractfile(member).read() == data, "archived bytes")
            expect(member.mode & 0o777 == 0o640, f"mode {oct(member.mode)}")

        expect_raises(NotFound, lambda: ct.get_archive("/no/such/path"), "get_archive missing")
        expect_raises(NotFound, lambda: ct.put_archive("/no/such/dir", payload.getvalue()),
                      "put_archive into a missing dir")
    finally:
        ct.remove(force=True)


def free_loopback_port():
    """A TCP port nobody listens on now (the daemon binds it next; tests run in parallel, so a
    race with another test is possible but the kernel hands out ephemeral ports round-robin)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_with_free_port(c, name, container_port, run_args):
    """containers.run with `container_port` published on a free loopback port; another test may
    take the port between the probe and the start, so a taken port is tried again (dockerd
    keeps the container created: it goes first)."""
    for _ in range(5):
        port = free_loopback_port()
        try:
            ct = c.containers.run(ports={container_port: ("127.0.0.1", port)}, **run_args)
            return ct, port
        except APIError as error:
            if "already allocated" not in str(error):
                raise
            c.containers.get(name).remove(force=True)
    raise AssertionError("no free loopback port in 5 tries")


def poll(what, attempt, seconds=30):
    """Calls `attempt` until it returns without raising, for up to `seconds`; returns its result.
    A server in a container answers some time after `start` returns."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return attempt()
        except Exception as error:  # noqa: BLE001 - any failure means "not yet"
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: still failing after {seconds} s: {error!r}")
            time.sleep(0.2)


def scenario_networks(c):
    # The harness gives each daemon a /24 of its own inside its address pool.
    subnet = os.environ["BERTH_TEST_SUBNET"]
    prefix = subnet.rsplit(".", 1)[0]
    ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)])
    since = int(time.time()) - 1
    net = c.networks.create("py-net", driver="bridge", ipam=ipam, labels={"py": "net"})
    containers = []
    try:
        expect(net.name == "py-net", f"created network name {net.name}")
        expect([n.id for n in c.networks.list(names=["py-net"])] == [net.id],
               f"list(names=) gave {c.networks.list(names=['py-net'])}")
        expect([n.id for n in c.networks.list(filters={"label": "py=net"})] == [net.id],
               "list(filters=label) does not give exactly py-net")
        expect([n.id for n in c.networks.list(filters={"driver": "bridge", "name": "py-net"})]
               == [net.id], "list(filters=driver+name) does not give exactly py-net")
        expect(c.networks.list(filters={"label": "py=other"}) == [], "label filter matches all")
        net.reload()
        expect(net.attrs["Driver"] == "bridge" and net.attrs["Scope"] == "local",
               f"Driver/Scope {net.attrs['Driver']}/{net.attrs['Scope']}")
        expect(net.attrs["Labels"] == {"py": "net"}, f"Labels {net.attrs['Labels']}")
        config = net.attrs["IPAM"]["Config"]
        expect(len(config) == 1 and config[0]["Subnet"] == subnet, f"IPAM Config {config}")
        expect(net.containers == [], f"a new network has containers {net.containers}")

        # A web server on the network with a port published on loopback.
        web, port = run_with_free_port(c, "py-web", "80/tcp", dict(
            image="busybox",
            command=["sh", "-c", "mkdir -p /www && echo hello-web > /www/index.html && "
                                 "exec httpd -f -p 80 -h /www"],
            detach=True, name="py-web", network="py-net"))
        containers.append(web)
        web.reload()
        settings = web.attrs["NetworkSettings"]
        expect(list(settings["Networks"]) == ["py-net"], f"Networks {list(settings['Networks'])}")
        endpoint = settings["Networks"]["py-net"]
        expect(endpoint["IPAddress"].startswith(prefix + "."), f"endpoint {endpoint}")
        expect(endpoint["NetworkID"] == net.id, f"endpoint NetworkID {endpoint['NetworkID']}")
        expect(endpoint["Gateway"] == prefix + ".1", f"endpoint Gateway {endpoint['Gateway']}")
        expect(endpoint["IPPrefixLen"] == 24, f"endpoint IPPrefixLen {endpoint['IPPrefixLen']}")
        expect(web.id[:12] in (endpoint["Aliases"] or []), f"Aliases {endpoint['Aliases']}")
        # dockerd fills the top-level (deprecated) fields from the default bridge only.
        expect(settings["IPAddress"] == "", f"top-level IPAddress {settings['IPAddress']!r}")
        expect(settings["Ports"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]},
               f"Ports {settings['Ports']}")
        expect(web.ports == settings["Ports"], f"container.ports {web.ports}")
        host_config = web.attrs["HostConfig"]
        expect(host_config["NetworkMode"] == "py-net", f"NetworkMode {host_config['NetworkMode']}")
        expect(host_config["PortBindings"] ==
               {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]},
               f"PortBindings {host_config['PortBindings']}")

        def fetch():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as r:
                return r.read()
        body = poll("GET the published port", fetch)
        expect(body == b"hello-web\n", f"published port answered {body!r}")

        # A restart keeps the address and the published port.
        address = endpoint["IPAddress"]
        web.restart(timeout=1)
        web.reload()
        restarted = web.attrs["NetworkSettings"]["Networks"]["py-net"]["IPAddress"]
        expect(restarted == address, f"address {address} became {restarted} on restart")
        body = poll("GET the published port after a restart", fetch)
        expect(body == b"hello-web\n", f"published port answered {body!r} after a restart")

        # Another container on the network reaches the server by its name.
        out = poll("wget py-web by name", lambda: c.containers.run(
            "busybox", ["wget", "-q", "-O", "-", "http://py-web/index.html"],
            network="py-net", remove=True))
        expect(out == b"hello-web\n", f"wget by name gave {out!r}")

        # connect a created container with an alias and a fixed address, then start it.
        other = c.containers.create(
            # nc serves one connection: a loop, so a retried client finds a server again.
            "busybox", ["sh", "-c", "while true; do echo pong | nc -l -p 7000; done"],
            name="py-other")
        containers.append(other)
        net.connect(other, aliases=["other-alias"], ipv4_address=f"{prefix}.50")
        other.start()
        other.reload()
        endpoint = other.attrs["NetworkSettings"]["Networks"].get("py-net")
        expect(endpoint is not None, f"Networks {other.attrs['NetworkSettings']['Networks']}")
        expect(endpoint["IPAddress"] == f"{prefix}.50", f"static address gave {endpoint}")
        expect("other-alias" in (endpoint["Aliases"] or []), f"Aliases {endpoint['Aliases']}")
        expect(other.attrs["NetworkSettings"]["IPAddress"] != "",
               "a container on the default bridge has no top-level IPAddress")
        net.reload()
        expect(sorted(x.id for x in net.containers) == sorted([web.id, other.id]),
               f"network containers {[x.name for x in net.containers]}")
        ipv4 = net.attrs["Containers"][other.id]["IPv4Address"]
        expect(ipv4 == f"{prefix}.50/24", f"network inspect IPv4Address {ipv4}")

        # The server reaches the connected container by its alias (nc answers once).
        result = poll("nc other-alias 7000", lambda: check_exec(
            web, ["sh", "-c", "nc other-alias 7000 </dev/null"], b"pong\n"))
        expect(result == b"pong\n", f"nc by alias gave {result!r}")

        # disconnect of a running container.
        net.disconnect(other)
        other.reload()
        expect("py-net" not in other.attrs["NetworkSettings"]["Networks"],
               f"still connected: {list(other.attrs['NetworkSettings']['Networks'])}")
        net.reload()
        expect([x.id for x in net.containers] == [web.id],
               f"after disconnect: {[x.name for x in net.containers]}")

        # A network with endpoints cannot be removed.
        err = expect_raises(APIError, net.remove, "remove of a network in use")
        expect(err.status_code == 403 and "active endpoints" in str(err), str(err))
    finally:
        for ct in containers:
            ct.remove(force=True)
    net.remove()
    expect_raises(NotFound, lambda: c.networks.get("py-net"), "get of a removed network")

    # The network events of all that, as tools watching the daemon read them.
    events = c.events(since=since, until=int(time.time()) + 1, decode=True,
                      filters={"type": "network", "network": net.id})
    actions = [e["Action"] for e in events]
    for action in ("create", "connect", "disconnect", "destroy"):
        expect(action in actions, f"no network {action} event in {actions}")
    expect(actions[0] == "create" and actions[-1] == "destroy", f"network events {actions}")

    # prune removes unused user networks only (never bridge/host/none).
    c.networks.create("py-unused", driver="bridge", labels={"py": "prune"})
    pruned = c.networks.prune(filters={"label": "py=prune"})
    expect(pruned["NetworksDeleted"] == ["py-unused"], f"prune gave {pruned}")
    pruned = c.networks.prune()
    expect(not pruned.get("NetworksDeleted"), f"prune of nothing gave {pruned}")
    names = sorted(n.name for n in c.networks.list())
    expect(names == ["bridge", "host", "none"], f"networks left {names}")


def check_exec(ct, command, expected):
    """exec_run that raises (for `poll`) unless it exits 0 with `expected` on stdout."""
    result = ct.exec_run(command)
    if result.exit_code != 0 or result.output != expected:
        raise RuntimeError(f"exec {command} gave {result}")
    return result.output


def context_tar(files):
    """An uncompressed tar of {name: bytes}, as docker-py's custom_context expects."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def scenario_build(c):
    tags = []
    try:
        with tempfile.TemporaryDirectory() as context:
            with open(os.path.join(context, "Dockerfile"), "w") as dockerfile:
                dockerfile.write(
                    "FROM busybox AS base\n"
                    "ARG GREETING=hello\n"
                    "RUN echo \"$GREETING\" > /greeting\n"
                    "COPY file.txt /file.txt\n"
                    "LABEL stage=base\n"
                    "CMD [\"cat\", \"/greeting\"]\n"
                    "FROM base AS final\n"
                    "RUN echo final > /final\n")
            with open(os.path.join(context, "file.txt"), "w") as f:
                f.write("from-context\n")
            image, logs = c.images.build(path=context, tag="py-built:1",
                                         buildargs={"GREETING": "hi-py"}, labels={"py": "yes"},
                                         target="base", rm=True, nocache=True)
            tags.append("py-built:1")
        logs = list(logs)
        expect(all(isinstance(item, dict) for item in logs), f"log items {logs}")
        text = "".join(item.get("stream", "") for item in logs)
        expect("Step 1/7 : FROM busybox AS base" in text, f"build stream {text!r}")
        # --label adds a LABEL step to the target stage, as dockerd does.
        expect("Step 7/7 : LABEL" in text and "/final" not in text, f"target=base stream {text!r}")
        expect(f"Successfully built {image.short_id[7:]}" in text, f"build stream {text!r}")
        expect("Successfully tagged py-built:1" in text, f"build stream {text!r}")
        aux = [item["aux"]["ID"] for item in logs if "aux" in item]
        expect(aux == [image.id], f"aux items {aux}, image {image.id}")
        expect(image.tags == ["py-built:1"], f"tags {image.tags}")
        labels = image.attrs["Config"]["Labels"]
        expect(labels.get("py") == "yes" and labels.get("stage") == "base", f"labels {labels}")
        expect(image.attrs["Config"]["Cmd"] == ["cat", "/greeting"],
               f"Cmd {image.attrs['Config']['Cmd']}")
        out = c.containers.run("py-built:1", remove=True)
        expect(out == b"hi-py\n", f"built image's CMD gave {out!r}")
        out = c.containers.run("py-built:1", "cat /file.txt", remove=True)
        expect(out == b"from-context\n", f"COPY gave {out!r}")
        # rm=True: no intermediate containers are left.
        left = c.containers.list(all=True)
        expect(left == [], f"containers left by the build: {[x.attrs['Config']['Cmd'] for x in left]}")

        # fileobj: a Dockerfile alone, no context.
        image, _ = c.images.build(
            fileobj=io.BytesIO(b"FROM busybox\nRUN echo fo > /fo\nCMD [\"cat\", \"/fo\"]\n"),
            tag="py-fileobj", rm=True)
        tags.append("py-fileobj")
        expect(c.containers.run(image.id, remove=True) == b"fo\n", "fileobj image")

        # custom_context: the caller's own tar, Dockerfile under another name.
        archive = context_tar({
            "build/Containerfile": b"FROM busybox\nCOPY data.txt /data.txt\n",
            "data.txt": b"custom\n",
        })
        image, _ = c.images.build(fileobj=archive, custom_context=True,
                                  dockerfile="build/Containerfile", tag="py-custom", rm=True)
        tags.append("py-custom")
        out = c.containers.run(image.id, "cat /data.txt", remove=True)
        expect(out == b"custom\n", f"custom context image gave {out!r}")

        # A failing RUN: BuildError with dockerd's message, the log up to the failure.
        err = expect_raises(BuildError, lambda: c.images.build(
            fileobj=io.BytesIO(b"FROM busybox\nRUN echo about-to-fail && exit 3\n"),
            forcerm=True), "build with a failing RUN")
        expect(err.msg == "The command '/bin/sh -c echo about-to-fail && exit 3' "
                          "returned a non-zero code: 3", f"BuildError {err.msg!r}")
        log_text = "".join(item.get("stream", "") for item in err.build_log)
        expect("about-to-fail" in log_text, f"failed build log {err.build_log}")
        left = c.containers.list(all=True)
        expect(left == [], "a failed build with forcerm=True left containers")

        # A Dockerfile that does not parse fails before the stream starts: an HTTP 400, which
        # docker-py raises as APIError (dockerd's "Error response from daemon" in the CLI).
        err = expect_raises(APIError, lambda: c.images.build(
            fileobj=io.BytesIO(b"FROM busybox\nNOPE x\n")), "build with an unknown instruction")
        expect(err.status_code == 400 and "unknown instruction: NOPE" in str(err), str(err))

        # The low-level API streams decoded JSON objects.
        items = list(c.api.build(fileobj=io.BytesIO(b"FROM busybox\nENV LOW=level\n"),
                                 tag="py-lowlevel", decode=True, rm=True))
        tags.append("py-lowlevel")
        expect(all(isinstance(item, dict) for item in items), f"decoded items {items}")
        expect(any("Step 2/2 : ENV LOW=level" in item.get("stream", "") for item in items),
               f"decoded items {items}")
        ids = [item["aux"]["ID"] for item in items if "aux" in item]
        expect(ids == [c.images.get("py-lowlevel").id], f"aux {ids}")

        # Rebuilding a tag leaves the old image dangling; prune(dangling) removes it.
        first, _ = c.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN echo 1 > /v\n"),
                                  tag="py-dangle", rm=True)
        tags.append("py-dangle")
        second, _ = c.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN echo 2 > /v\n"),
                                   tag="py-dangle", rm=True)
        expect(first.id != second.id, "two different builds gave one image")
        expect(c.images.get(first.id).tags == [], "the rebuilt tag's old image is still tagged")
        pruned = c.images.prune(filters={"dangling": True})
        deleted = [entry.get("Deleted") for entry in pruned["ImagesDeleted"] or []]
        expect(first.id in deleted, f"prune gave {pruned}")
        expect(pruned["SpaceReclaimed"] >= 0, f"SpaceReclaimed {pruned}")
        expect_raises(ImageNotFound, lambda: c.images.get(first.id), "get of a pruned image")
        expect(c.images.get("py-dangle").id == second.id, "prune removed the tagged image")
        expect(c.images.get("busybox") is not None, "prune removed busybox")
    finally:
        for tag in tags:
            try:
                c.images.remove(tag, force=True)
            except NotFound:
                pass
        # Intermediate images of the builds go with their tagged children; anything dangling
        # left (the failed build's layers) goes now, so the next interpreter starts clean.
        c.images.prune(filters={"dangling": True})


def scenario_network_api(c):
    """The low-level API and the less common options docker-py users pass."""
    subnet = os.environ["BERTH_TEST_SUBNET"]
    prefix = subnet.rsplit(".", 1)[0]
    ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet, gateway=f"{prefix}.254")])
    created = c.api.create_network("py-low", driver="bridge", ipam=ipam,
                                   options={"com.docker.network.bridge.enable_icc": "true"})
    net_id = created["Id"]
    containers = []
    try:
        # A second network of that name is a conflict (409).
        err = expect_raises(APIError, lambda: c.api.create_network("py-low", driver="bridge",
                                                                    check_duplicate=True),
                            "create of a duplicate network name")
        expect(err.status_code == 409, f"duplicate create: {err.status_code} {err}")
        inspected = c.api.inspect_network(net_id)
        expect(inspected["IPAM"]["Config"][0].get("Gateway") == f"{prefix}.254",
               f"IPAM {inspected['IPAM']}")
        expect(c.networks.get(net_id[:12]).id == net_id, "get by short id")
        expect([n["Id"] for n in c.api.networks(ids=[net_id])] == [net_id], "networks(ids=)")
        greedy = c.networks.list(names=["py-low"], greedy=True)
        expect([n.id for n in greedy] == [net_id] and "Containers" in greedy[0].attrs,
               f"greedy list {greedy}")

        # create_container with a networking config: aliases and a fixed address up front.
        config = c.api.create_networking_config({
            "py-low": c.api.create_endpoint_config(aliases=["low-alias"],
                                                   ipv4_address=f"{prefix}.77"),
        })
        host_config = c.api.create_host_config(network_mode="py-low",
                                               port_bindings={8080: None})
        ct = c.api.create_container("busybox",
                                    ["sh", "-c", "while true; do echo low | nc -l -p 8080; done"],
                                    name="py-low-ct", networking_config=config,
                                    host_config=host_config, ports=[8080])
        containers.append(ct["Id"])
        c.api.start(ct["Id"])
        attrs = c.api.inspect_container(ct["Id"])
        endpoint = attrs["NetworkSettings"]["Networks"]["py-low"]
        expect(endpoint["IPAddress"] == f"{prefix}.77", f"endpoint {endpoint}")
        expect(endpoint["Gateway"] == f"{prefix}.254", f"endpoint {endpoint}")
        expect("low-alias" in endpoint["Aliases"], f"Aliases {endpoint['Aliases']}")
        expect(endpoint["IPAMConfig"] == {"IPv4Address": f"{prefix}.77"} or
               endpoint["IPAMConfig"].get("IPv4Address") == f"{prefix}.77",
               f"IPAMConfig {endpoint['IPAMConfig']}")
        # A port published to a random host port: inspect and api.port agree.
        bindings = attrs["NetworkSettings"]["Ports"]["8080/tcp"]
        expect(len(bindings) >= 1 and int(bindings[0]["HostPort"]) > 0, f"Ports {bindings}")
        host_port = int(bindings[0]["HostPort"])
        ports = c.api.port(ct["Id"], 8080)
        expect(any(int(p["HostPort"]) == host_port for p in ports), f"api.port gave {ports}")

        def talk():
            with socket.create_connection(("127.0.0.1", host_port), timeout=5) as conn:
                data = conn.recv(100)
                if not data:
                    raise RuntimeError("connection closed without data")
                return data
        expect(poll("nc through a random published port", talk) == b"low\n", "nc answer")

        # containers.list(filters=network), connect twice, disconnect(force).
        listed = c.containers.list(all=True, filters={"network": "py-low"})
        expect([x.id for x in listed] == [ct["Id"]], f"list(network=) {listed}")
        idle = c.containers.run("busybox", "sleep 60", detach=True, network_mode="none")
        containers.append(idle.id)
        idle.reload()
        expect(list(idle.attrs["NetworkSettings"]["Networks"]) == ["none"],
               f"none networks {idle.attrs['NetworkSettings']['Networks']}")
        c.api.connect_container_to_network(ct["Id"], "bridge")
        err = expect_raises(APIError, lambda: c.api.connect_container_to_network(
            ct["Id"], "py-low"), "connect twice")
        expect(err.status_code in (403, 409), f"connect twice: {err.status_code} {err}")
        c.api.disconnect_container_from_network(ct["Id"], "bridge", force=True)
        attrs = c.api.inspect_container(ct["Id"])
        expect(list(attrs["NetworkSettings"]["Networks"]) == ["py-low"],
               f"after disconnect {list(attrs['NetworkSettings']['Networks'])}")
        expect_raises(NotFound, lambda: c.api.connect_container_to_network("no-such", "py-low"),
                      "connect of a missing container")
        expect_raises(NotFound, lambda: c.api.connect_container_to_network(ct["Id"], "no-such"),
                      "connect to a missing network")

        # host networking: the container sees the host's loopback.
        out = c.containers.run("busybox", ["cat", "/proc/net/dev"], network_mode="host",
                               remove=True)
        expect(b"lo:" in out, f"host network devices {out!r}")
        # sharing another container's namespace.
        out = c.containers.run("busybox", ["sh", "-c", "ip -4 -o addr show"],
                               network_mode=f"container:{ct['Id']}", remove=True)
        expect(f"{prefix}.77".encode() in out, f"container: network gave {out!r}")
    finally:
        for cid in containers:
            c.api.remove_container(cid, force=True)
    c.api.remove_network(net_id)
    expect_raises(NotFound, lambda: c.api.inspect_network(net_id), "inspect of a removed network")
    expect_raises(NotFound, lambda: c.api.remove_network(net_id), "remove of a removed network")


def scenario_build_options(c):
    tags = []
    try:
        with tempfile.TemporaryDirectory() as context:
            def write(name, text):
                path = os.path.join(context, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
            write("docker/Dockerfile.alt",
                  "FROM busybox\n"
                  "COPY . /ctx/\n"
                  "RUN ls -A /ctx | sort > /listing\n"
                  "EXPOSE 8080\n"
                  "ENV MODE=alt\n"
                  "WORKDIR /ctx\n"
                  "USER nobody\n"
                  "ENTRYPOINT [\"cat\"]\n"
                  "CMD [\"/listing\"]\n")
            write("keep.txt", "keep\n")
            write("skip.log", "skip\n")
            write(".dockerignore", "*.log\n")
            image, logs = c.images.build(path=context, dockerfile="docker/Dockerfile.alt",
                                         tag="py-opts:alt", rm=True, forcerm=True)
            tags.append("py-opts:alt")
            out = c.containers.run("py-opts:alt", remove=True)
            expect(out == b".dockerignore\ndocker\nkeep.txt\n", f"context listing {out!r}")
            config = image.attrs["Config"]
            expect(config["Env"][-1] == "MODE=alt" and config["WorkingDir"] == "/ctx"
                   and config["User"] == "nobody" and config["Entrypoint"] == ["cat"]
                   and "8080/tcp" in config["ExposedPorts"], f"Config {config}")

            # The same build again comes from the cache and gives the same image.
            again, logs = c.images.build(path=context, dockerfile="docker/Dockerfile.alt",
                                         tag="py-opts:again", rm=True)
            tags.append("py-opts:again")
            text = "".join(item.get("stream", "") for item in logs)
            expect(again.id == image.id, f"cached rebuild gave {again.id} != {image.id}")
            expect("Using cache" in text, f"cached build stream {text!r}")
            expect(sorted(c.images.get(image.id).tags) == ["py-opts:again", "py-opts:alt"],
                   f"tags {c.images.get(image.id).tags}")

            # An exposed port that is not published shows as null in inspect.
            ct = c.containers.run("py-opts:alt", detach=True, entrypoint=["sleep", "60"],
                                  command=[])
            try:
                ct.reload()
                expect(ct.attrs["NetworkSettings"]["Ports"] == {"8080/tcp": None},
                       f"Ports {ct.attrs['NetworkSettings']['Ports']}")
                expect(ct.attrs["Config"]["ExposedPorts"] == {"8080/tcp": {}},
                       f"ExposedPorts {ct.attrs['Config']['ExposedPorts']}")
            finally:
                ct.remove(force=True)

            # quiet, high level: docker-py finds the id in the lone `sha256:` stream item.
            quiet, _ = c.images.build(path=context, dockerfile="docker/Dockerfile.alt",
                                      quiet=True)
            expect(quiet.id == image.id, f"quiet build gave {quiet.id}")
            # quiet: the stream holds the id only.
            items = list(c.api.build(path=context, dockerfile="docker/Dockerfile.alt",
                                     quiet=True, decode=True))
            streams = "".join(item.get("stream", "") for item in items)
            expect(streams.strip() == image.id, f"quiet build stream {items}")

        # Build args: an unused one is a warning, not an error; a used one reaches RUN.
        image, logs = c.images.build(
            fileobj=io.BytesIO(b"FROM busybox\nARG USED\nRUN echo \"$USED\" > /used\n"),
            buildargs={"USED": "yes", "UNUSED": "no"}, tag="py-args", rm=True)
        tags.append("py-args")
        text = "".join(item.get("stream", "") for item in logs)
        expect("[Warning] One or more build-args [UNUSED] were not consumed" in text,
               f"stream {text!r}")
        out = c.containers.run("py-args", "cat /used", remove=True)
        expect(out == b"yes\n", f"build arg gave {out!r}")

        # container_limits, shmsize, extra_hosts and network_mode reach the RUN containers.
        image, _ = c.images.build(
            fileobj=io.BytesIO(b"FROM busybox\n"
                               b"RUN grep -q 'myhost' /etc/hosts && df -k /dev/shm | "
                               b"tail -1 | awk '{print $2}' > /shm\n"),
            tag="py-limits", rm=True, shmsize=32 * 1024 * 1024,
            container_limits={"memory": 128 * 1024 * 1024},
            extra_hosts={"myhost": "10.1.2.3"}, network_mode="none")
        tags.append("py-limits")
        out = c.containers.run("py-limits", "cat /shm", remove=True)
        expect(out == b"32768\n", f"shm size in RUN {out!r}")

        # history of a built image and the image list filters.
        history = c.images.get("py-args").history()
        expect(any("ARG USED" in (h.get("CreatedBy") or "") for h in history)
               or any("USED" in (h.get("CreatedBy") or "") for h in history),
               f"history {history}")
        names = [t for i in c.images.list(filters={"reference": "py-*"}) for t in i.tags]
        wanted = sorted(t if ":" in t else t + ":latest" for t in tags)
        expect(sorted(names) == wanted, f"images.list(reference) {names} != {wanted}")
    finally:
        for tag in tags:
            try:
                c.images.remove(tag, force=True)
            except NotFound:
                pass
        c.images.prune(filters={"dangling": True})


SCENARIOS = {
    name[len("scenario_"):]: function
    for name, function in globals().items()
    if name.startswith("scenario_")
}


def main(names):
    unknown = [n for n in names if n not in SCENARIOS]
    if not names or unknown:
        print(f"usage: scenarios.py {{{'|'.join(SCENARIOS)}}}...", file=sys.stderr)
        return 2
    c = client()
    for name in names:
        SCENARIOS[name](c)
        print(f"docker-py {docker.__version__}: {name} ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
