"""docker-py (the Docker SDK for Python) against berthd, unchanged.

Usage: DOCKER_HOST=unix:///path/to/berthd.sock python3 scenarios.py <scenario>...

Each scenario drives the daemon through docker-py's high-level and low-level clients the way
tools built on the SDK do, and raises (exit status 1, traceback and message on stderr) at the
first answer that differs from dockerd's. The scenarios run with both docker-py 5.0.3 (Debian's
python3-docker) and 7.1.0, so nothing here may use an API only one of them has.
"""

import io
import sys
import tarfile
import time

import docker
from docker.errors import APIError, ContainerError, ImageNotFound, NotFound


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
