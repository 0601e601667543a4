#!/usr/bin/env python3
"""Writes the small seed corpus in fuzz/seeds/<target>/ (valid inputs the fuzzers mutate from).
Run from anywhere: python3 fuzz/seeds/make-seeds.py. The create-body seeds come from the docker
CLI transcripts in /work/shared/specs when they are present."""
import base64, gzip, hashlib, io, json, os, re, tarfile, glob

HERE = os.path.dirname(os.path.abspath(__file__))
H = "a" * 64
H2 = "b" * 64


def put(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for i, r in enumerate([
    "busybox", "busybox:1.36", "localhost:5000/team/app:1.0", "[::1]:5000/a@sha256:" + H,
    "index.docker.io/library/busybox", "a.b_c__d-e---f/x:y@sha256:" + H, "team/app\0v2",
    "docker.io/library/x\0", "UPPER/path:t",
]):
    put("image_reference", f"ref{i}", r)

cfg = {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7, "digest": "sha256:" + H}
layer = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9, "digest": "sha256:" + H2}
put("registry_manifest", "docker-v2", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": cfg, "layers": [layer]}))
put("registry_manifest", "oci-no-mediatype", json.dumps({"schemaVersion": 2, "config": cfg, "layers": [layer, layer]}))
put("registry_manifest", "index", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    dict(cfg, platform={"os": "linux", "architecture": "arm64", "variant": "v8"}),
    dict(cfg, platform={"os": "linux", "architecture": "amd64"})]}))
put("registry_manifest", "schema1", json.dumps({"schemaVersion": 1, "name": "x"}))
put("registry_manifest", "platform", "linux/arm64/v8")

image_config = {"architecture": "amd64", "os": "linux", "created": "2026-11-22T10:00:00.123456789Z",
                "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"], "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000000000},
                           "Labels": {"a": "b"}, "ExposedPorts": {"80/tcp": {}}, "Hostname": "h"},
                "container_config": {"Cmd": ["x"]}, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + H]},
                "history": [{"created": "2026-11-22T10:00:00Z", "created_by": "/bin/sh", "empty_layer": True}]}
put("image_config_json", "config", json.dumps(image_config))

auth = json.dumps({"username": "u", "password": "p+s/w?", "serveraddress": "127.0.0.1:5000"}).encode()
put("registry_auth_header", "urlsafe", base64.urlsafe_b64encode(auth))
put("registry_auth_header", "auth-only", base64.b64encode(json.dumps({"auth": base64.b64encode(b"user:pw").decode()}).encode()))
put("registry_auth_header", "empty", "e30=")
put("registry_auth_header", "basic", base64.b64encode(b"user:pass:word"))


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    # Drop tarfile's 10 KiB record padding (keep the two zero end blocks): fuzz inputs stay small.
    raw = buf.getvalue().rstrip(b"\0")
    raw += b"\0" * (-len(raw) % 512)
    return raw + b"\0" * 1024


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644, pax=None):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.mode = mode
    i.linkname = link
    i.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        i.pax_headers = pax
    return i, (data if kind == tarfile.REGTYPE else None)


layer_members = [
    entry("etc/", tarfile.DIRTYPE, mode=0o755),
    entry("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n", pax={"SCHILY.xattr.user.k": "v"}),
    entry("bin/sh", tarfile.SYMTYPE, link="/bin/busybox"),
    entry("etc/hard", tarfile.LNKTYPE, link="etc/passwd"),
    entry("etc/.wh.gone"),
    entry("etc/.wh..wh..opq"),
    entry("dev/null", tarfile.CHRTYPE, mode=0o666),
    entry("fifo", tarfile.FIFOTYPE),
]
put("layer_tar_apply", "layer", tar_bytes(layer_members))
put("layer_tar_apply", "gnu", tar_bytes(layer_members[:4], tarfile.GNU_FORMAT))
put("layer_tar_apply", "escape-link", tar_bytes([entry("up", tarfile.SYMTYPE, link="../.."), entry("up/x", data=b"x")]))
put("layer_tar_apply", "escape-dotdot", tar_bytes([entry("../x", data=b"x"), entry("a/../../y", tarfile.LNKTYPE, link="../sentinel")]))

layer_tar = tar_bytes([entry("hello", data=b"hi\n")])
diff_id = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
cfg_bytes = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                        "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
cfg_name = hashlib.sha256(cfg_bytes).hexdigest() + ".json"
manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["fuzz:latest"], "Layers": ["l/layer.tar"]}]).encode()
archive = tar_bytes([entry("manifest.json", data=manifest), entry(cfg_name, data=cfg_bytes),
                     entry("l/", tarfile.DIRTYPE, mode=0o755), entry("l/layer.tar", data=layer_tar)])
put("image_archive_load", "docker-save", archive)
put("image_archive_load", "docker-save.gz", gzip.compress(archive))

for i, s in enumerate(["32m", "1.5GiB", "-1", "1048576", "10kb", "0.5", "100b", "2.000000001"]):
    put("size_strings", f"s{i}", s)
for i, s in enumerate(["10m", "1h30m", "-1.5s", "2006-01-02T15:04:05Z", "2006-01-02T15:04+07:00",
                       "2006-01-02", "1700000000.5", "24h", "300ms", "0001-01-01T00:00:00Z"]):
    put("duration_strings", f"d{i}", s)

put("api_filters", "current", json.dumps({"label": {"a=1": True, "b": True}, "dangling": {"true": True}}))
put("api_filters", "legacy", json.dumps({"name": ["x", "y"], "until": ["10m"]}))

changes = ["CMD [\"sh\",\"-c\",\"echo hi\"]", "ENTRYPOINT /bin/sh", "ENV A=1 B=\"two words\"", "LABEL k=v",
           "WORKDIR /app", "USER 1000:1000", "EXPOSE 80/tcp 443", "VOLUME [\"/data\"]", "STOPSIGNAL SIGINT",
           "HEALTHCHECK --interval=30s --timeout=1m --retries=3 CMD [\"true\"]", "ONBUILD RUN x", "SHELL [\"/bin/bash\",\"-c\"]"]
put("image_changes", "all", "\0".join(changes[:8]))
put("image_changes", "rest", "\n".join(changes[8:]))

bodies = []
for path in sorted(glob.glob("/work/shared/specs/transcripts/*.txt")):
    text = open(path, encoding="utf-8", errors="replace").read()
    for m in re.finditer(r"containers/create[^\n]*\n(?:[^\n]*\n){0,12}?[^\n]*body \(\d+ bytes\): (\{[^\n]*\})", text):
        bodies.append(m.group(1))
if not bodies:
    bodies.append(json.dumps({"Image": "busybox", "Cmd": ["sh"], "HostConfig": {"Memory": 33554432, "NanoCpus": 1500000000}}))
for i, b in enumerate(bodies[:8]):
    put("container_create_body", f"body{i}", b)
put("container_create_body", "limits", json.dumps({"Image": "x", "Cmd": ["sh"], "StopSignal": "SIGINT",
    "HostConfig": {"Memory": 33554432, "MemorySwap": -1, "NanoCpus": 1500000000, "CpuShares": 512, "PidsLimit": 10,
                   "CapAdd": ["NET_ADMIN"], "CapDrop": ["ALL"], "LogConfig": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "2"}},
                   "Privileged": False, "ShmSize": 67108864}}))

put("container_user", "name", b"app\0root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n\0root:x:0:\nstaff:x:50:app\n")
put("container_user", "pair", b"1000:staff\0app:x:1000:1000::/home/app:/bin/sh\n\0staff:x:50:app\n")

def frame(stream, payload):
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload
put("stream_framing", "frames", b"\x03" + frame(1, b"out\n") + frame(2, b"err\n") + frame(0, b""))
put("stream_framing", "logs", b"\x40" + b'{"log":"hi\\n","stream":"stdout","time":"2026-11-22T10:00:00.000000001Z"}\n{"log":"x"')

put("dockerfile_parse", "transcript", 'FROM busybox\nENV GREETING=hello\nCOPY app.txt /app/app.txt\nRUN echo "built with $GREETING" > /app/built.txt && cat /app/built.txt\nWORKDIR /app\nEXPOSE 8000\nLABEL org.example.kind=demo\nCMD ["cat", "/app/app.txt"]\n\0${GREETING:-x}')
put("dockerfile_parse", "multistage", '# syntax=docker/dockerfile:1\n# escape=`\nARG V=1\nFROM --platform=linux/amd64 base:${V} AS build\nRUN echo a `\n  # comment\n\n  b\nCOPY --from=build --chown=app:app ["a", "b", "/c/"]\nFROM scratch\nENV a=b c="d e" legacy\nHEALTHCHECK --interval=5s --retries=3 CMD true\nONBUILD RUN x\nSHELL ["/bin/bash", "-c"]\n\0a${A:+"$WS"}\'q\'\\$A`x')
put("dockerignore_patterns", "doc", "# comment\n*/temp*\n*/*/temp*\ntemp?\n**/*.go\n*.md\n!README*.md\nREADME-secret.md\n/abs\n./rel/../x\n\0somedir/temporary.txt\0a*[b-d]?\\*")
put("dockerignore_patterns", "exceptions", "docs\n!docs/keep.txt\n**\n!src/**/x\n\0src/a/b/x\0src/*/x")
