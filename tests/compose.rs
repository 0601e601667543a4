//! docker-compose 1.29 (docker-py, the legacy build API) end to end against berthd: a service
//! built from a Dockerfile next to the compose file, service names resolved on the project's
//! default network, a published port reached from the host, `ps`/`logs`/`restart`, `down -v`
//! leaving nothing behind (containers, networks, their bridges, named volumes), a custom network
//! with an alias, a service on two networks, a volume shared by two services, and a second
//! `up -d --build` that uses the build cache and recreates nothing; `links:` as private aliases.
//! Every image is built FROM the busybox fixture; nothing is ever pulled.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use test_support::net_probe::{free_loopback_port, http_get, link_exists};
use test_support::{
    eventually, expect_success, output_within, require_root, stderr, stdout, Daemon,
};

const WAIT: Duration = Duration::from_secs(40);
const COMPOSE_TIMEOUT: Duration = Duration::from_secs(120);

/// A compose project in its own directory of the daemon's scratch space; `down -v` on drop.
struct Project<'a> {
    daemon: &'a Daemon,
    dir: PathBuf,
    name: String,
}

impl<'a> Project<'a> {
    /// `name` must be unique per test (it names containers, networks and volumes).
    fn new(daemon: &'a Daemon, name: &str, compose_file: &str) -> Project<'a> {
        let dir = daemon.scratch().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("docker-compose.yml"), compose_file).unwrap();
        Project {
            daemon,
            dir,
            name: name.to_string(),
        }
    }

    fn write(&self, relative: &str, content: &str) {
        let path = self.dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn compose(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("docker-compose");
        cmd.arg("-f")
            .arg(self.dir.join("docker-compose.yml"))
            .args(args)
            .current_dir(&self.dir)
            .env("DOCKER_HOST", self.daemon.host())
            .env("DOCKER_CONFIG", self.daemon.scratch().join("docker-config"))
            .env("COMPOSE_PROJECT_NAME", &self.name)
            // The legacy builder through docker-py, as our users run it.
            .env("COMPOSE_DOCKER_CLI_BUILD", "0")
            .env("DOCKER_BUILDKIT", "0")
            .env("COMPOSE_INTERACTIVE_NO_CLI", "1")
            .stdin(Stdio::null());
        output_within(cmd, COMPOSE_TIMEOUT)
    }

    #[track_caller]
    fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "docker-compose {args:?}\nstdout: {}\nstderr: {}\ndaemon log tail:\n{}",
            stdout(&out),
            stderr(&out),
            log_tail(self.daemon)
        );
        format!("{}{}", stdout(&out), stderr(&out))
    }

    /// `docker-compose exec -T <service> sh -c <script>`; stdout when it exits 0.
    fn exec(&self, service: &str, script: &str) -> Option<String> {
        let out = self.compose(&["exec", "-T", service, "sh", "-c", script]);
        (out.status.code() == Some(0)).then(|| stdout(&out))
    }

    fn container(&self, service: &str) -> String {
        format!("{}_{}_1", self.name, service)
    }
}

impl Drop for Project<'_> {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "--timeout", "1"]);
    }
}

fn log_tail(d: &Daemon) -> String {
    let log = d.log();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn lines_of(out: Output) -> Vec<String> {
    expect_success(out)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A busybox httpd image: the page is made by a RUN step, the server logs a line when it starts.
const WEB_DOCKERFILE: &str = "FROM busybox
RUN mkdir -p /www && echo built-page > /www/index.html
EXPOSE 80
CMD [\"sh\", \"-c\", \"echo web-starting; exec httpd -f -p 80 -h /www\"]
";

#[test]
fn build_default_network_ports_ps_logs_restart_down() {
    require_root!();
    let d = Daemon::with_busybox();
    let port = free_loopback_port();
    let p = Project::new(
        &d,
        "cpweb",
        &format!(
            r#"version: "2.4"
services:
  web:
    build: ./web
    image: cpweb-web:local
    ports:
      - "127.0.0.1:{port}:80"
  client:
    image: busybox
    command: sh -c "sleep 1000"
    links:
      - web:webalias
    volumes:
      - data:/data
volumes:
  data: {{}}
"#
        ),
    );
    p.write("web/Dockerfile", WEB_DOCKERFILE);
    p.compose_ok(&["build"]);
    p.compose_ok(&["up", "-d"]);

    // The default network is compose's, with its labels.
    let net = format!("{}_default", p.name);
    assert_eq!(
        d.inspect_format("{{index .Labels \"com.docker.compose.network\"}}", &net),
        "default"
    );
    assert_eq!(
        d.inspect_format("{{index .Labels \"com.docker.compose.project\"}}", &net),
        p.name
    );
    let net_id = d.inspect_format("{{.Id}}", &net);
    let bridge = format!("br-{}", &net_id[..12]);
    assert!(link_exists(&bridge), "{bridge} missing");

    // client reaches web by its service name; the answer goes through the named volume.
    let fetch = "wget -q -O /data/page http://web/index.html && cat /data/page";
    let mut got = None;
    assert!(
        eventually(WAIT, || {
            got = p.exec("client", fetch);
            got.is_some()
        }),
        "client never reached web\n{}",
        log_tail(&d)
    );
    assert_eq!(got.unwrap().trim(), "built-page");
    assert_eq!(
        p.exec("client", "cat /data/page")
            .unwrap_or_default()
            .trim(),
        "built-page"
    );
    // `links:` give client a private alias of web (HostConfig.Links on a user network).
    assert_eq!(
        p.exec("client", "wget -q -O - http://webalias/index.html")
            .unwrap_or_default()
            .trim(),
        "built-page"
    );

    // The host reaches the published port.
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut body = None;
    assert!(eventually(WAIT, || {
        body = http_get(addr);
        body.is_some()
    }));
    assert_eq!(body.unwrap().trim(), "built-page");

    // ps: both Up, web with its port.
    let ps = p.compose_ok(&["ps"]);
    let web_line = ps
        .lines()
        .find(|l| l.starts_with(&p.container("web")))
        .unwrap_or_else(|| panic!("no web in ps:\n{ps}"));
    assert!(web_line.contains("Up"), "{ps}");
    assert!(
        web_line.contains(&format!("127.0.0.1:{port}->80/tcp")),
        "{ps}"
    );
    let client_line = ps
        .lines()
        .find(|l| l.starts_with(&p.container("client")))
        .unwrap_or_else(|| panic!("no client in ps:\n{ps}"));
    assert!(client_line.contains("Up"), "{ps}");

    let logs = p.compose_ok(&["logs", "--no-color", "web"]);
    assert!(logs.contains("web-starting"), "{logs}");

    // restart keeps both paths working.
    let web_id = d.inspect_format("{{.Id}}", &p.container("web"));
    p.compose_ok(&["restart", "-t", "1", "web"]);
    assert_eq!(d.inspect_format("{{.Id}}", &p.container("web")), web_id);
    assert_eq!(
        d.inspect_format("{{.State.Running}}", &p.container("web")),
        "true"
    );
    assert!(
        eventually(WAIT, || http_get(addr)
            .is_some_and(|b| b.trim() == "built-page")),
        "published port dead after restart\n{}",
        log_tail(&d)
    );
    assert!(
        eventually(WAIT, || p
            .exec("client", "wget -q -O - http://web/index.html")
            .is_some_and(|b| b.trim() == "built-page")),
        "web not reachable by name after restart\n{}",
        log_tail(&d)
    );

    // down -v leaves nothing of the project.
    p.compose_ok(&["down", "-v", "--timeout", "1"]);
    let label = format!("label=com.docker.compose.project={}", p.name);
    assert!(lines_of(d.docker(&["ps", "-aq", "--filter", &label])).is_empty());
    assert!(lines_of(d.docker(&["network", "ls", "-q", "--filter", &label])).is_empty());
    assert!(lines_of(d.docker(&["volume", "ls", "-q", "--filter", &label])).is_empty());
    let volumes = lines_of(d.docker(&["volume", "ls", "-q"]));
    assert!(
        !volumes.contains(&format!("{}_data", p.name)),
        "{volumes:?}"
    );
    let networks = lines_of(d.docker(&["network", "ls", "--format", "{{.Name}}"]));
    assert!(!networks.contains(&net), "{networks:?}");
    let ip_link = stdout(
        &Command::new("ip")
            .args(["-o", "link", "show"])
            .output()
            .unwrap(),
    );
    assert!(!ip_link.contains(&bridge), "{bridge} left:\n{ip_link}");
    // No published port is left behind either.
    assert!(
        eventually(WAIT, || http_get(addr).is_none()),
        "port {port} still served"
    );
}

#[test]
fn custom_network_alias_two_networks_shared_volume() {
    require_root!();
    let d = Daemon::with_busybox();
    let p = Project::new(
        &d,
        "cpnets",
        r#"version: "2.4"
services:
  store:
    image: busybox
    command: sh -c "mkdir -p /www && echo from-store > /www/index.html && echo shared-by-store > /shared/note && exec httpd -f -p 80 -h /www"
    networks:
      backend:
        aliases:
          - db
    volumes:
      - shared:/shared
  app:
    image: busybox
    command: sh -c "sleep 1000"
    networks:
      - frontend
      - backend
    volumes:
      - shared:/shared
  edge:
    image: busybox
    command: sh -c "sleep 1000"
    networks:
      - frontend
    dns_search: example.internal
    dns_opt:
      - ndots:3
    security_opt:
      - no-new-privileges:true
  sidecar:
    image: busybox
    command: sh -c "sleep 1000"
    network_mode: "service:app"
networks:
  frontend: {}
  backend: {}
volumes:
  shared: {}
"#,
    );
    p.compose_ok(&["up", "-d"]);

    // app is on both networks (and edge reaches it on frontend).
    let app = p.container("app");
    let nets = d.inspect_format(
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        &app,
    );
    let mut nets: Vec<&str> = nets.split_whitespace().collect();
    nets.sort();
    assert_eq!(nets, ["cpnets_backend", "cpnets_frontend"]);
    let aliases = d.inspect_format(
        "{{json (index .NetworkSettings.Networks \"cpnets_backend\").Aliases}}",
        &p.container("store"),
    );
    assert!(aliases.contains("\"db\""), "{aliases}");

    // The alias resolves on backend, for the container on two networks.
    let mut got = None;
    assert!(
        eventually(WAIT, || {
            got = p.exec("app", "wget -q -O - http://db/index.html");
            got.is_some()
        }),
        "app never reached db\n{}",
        log_tail(&d)
    );
    assert_eq!(got.unwrap().trim(), "from-store");
    assert!(
        eventually(WAIT, || p.exec("edge", "ping -c 1 -W 2 app").is_some()),
        "edge cannot reach app on frontend"
    );

    // dns_search / dns_opt replace the host's lines; security_opt no-new-privileges.
    let resolv = p.exec("edge", "cat /etc/resolv.conf").unwrap_or_default();
    assert!(resolv.contains("search example.internal\n"), "{resolv}");
    assert!(resolv.contains("options ndots:3\n"), "{resolv}");
    assert!(resolv.contains("nameserver 127.0.0.11\n"), "{resolv}");
    let status = p.exec("edge", "cat /proc/self/status").unwrap_or_default();
    assert!(status.contains("NoNewPrivs:\t1"), "{status}");

    // network_mode service:app shares app's network: its names, hosts and hostname.
    assert_eq!(
        p.exec("sidecar", "wget -q -O - http://db/index.html")
            .unwrap_or_default()
            .trim(),
        "from-store"
    );
    assert_eq!(
        p.exec("sidecar", "hostname").unwrap_or_default().trim(),
        p.exec("app", "hostname").unwrap_or_default().trim()
    );

    // The named volume is shared.
    let mut note = None;
    assert!(eventually(WAIT, || {
        note = p.exec("app", "cat /shared/note");
        note.is_some()
    }));
    assert_eq!(note.unwrap().trim(), "shared-by-store");
    assert_eq!(
        d.inspect_format(
            "{{index .Labels \"com.docker.compose.volume\"}}",
            "cpnets_shared"
        ),
        "shared"
    );

    p.compose_ok(&["down", "-v", "--timeout", "1"]);
    let networks = lines_of(d.docker(&["network", "ls", "--format", "{{.Name}}"]));
    assert!(
        !networks.iter().any(|n| n.starts_with("cpnets_")),
        "{networks:?}"
    );
    let volumes = lines_of(d.docker(&["volume", "ls", "-q"]));
    assert!(
        !volumes.contains(&"cpnets_shared".to_string()),
        "{volumes:?}"
    );
}

#[test]
fn up_build_twice_uses_cache_and_recreates_nothing() {
    require_root!();
    let d = Daemon::with_busybox();
    let p = Project::new(
        &d,
        "cpcache",
        r#"version: "2.4"
services:
  web:
    build: ./web
    image: cpcache-web:local
"#,
    );
    p.write("web/Dockerfile", WEB_DOCKERFILE);
    p.compose_ok(&["up", "-d", "--build"]);
    let id = d.inspect_format("{{.Id}}", &p.container("web"));
    let image = d.inspect_format("{{.Image}}", &p.container("web"));

    let second = p.compose_ok(&["up", "-d", "--build"]);
    assert!(second.contains("Using cache"), "{second}");
    assert!(
        second.contains(&format!("{} is up-to-date", p.container("web"))),
        "{second}"
    );
    assert_eq!(d.inspect_format("{{.Id}}", &p.container("web")), id);
    assert_eq!(d.inspect_format("{{.Image}}", &p.container("web")), image);
    assert_eq!(
        d.inspect_format("{{.State.Running}}", &p.container("web")),
        "true"
    );
}

#[test]
fn init_sysctls_devices() {
    require_root!();
    let d = Daemon::with_busybox();
    let p = Project::new(
        &d,
        "cpinit",
        r#"version: "2.4"
services:
  srv:
    image: busybox
    command: httpd -f -p 8080
    network_mode: none
    init: true
    sysctls:
      net.ipv4.ip_unprivileged_port_start: "0"
      kernel.shmmni: "1234"
    devices:
      - /dev/null:/dev/mynull
"#,
    );
    p.compose_ok(&["up", "-d"]);
    let top = p.compose_ok(&["top", "srv"]);
    assert!(
        top.contains("/sbin/docker-init -- httpd -f -p 8080"),
        "{top}"
    );
    // sysctls: of the container's own network and IPC namespaces.
    assert_eq!(
        p.exec(
            "srv",
            "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni"
        )
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>(),
        ["0", "1234"]
    );
    // devices: the host's node at another path, usable (device cgroup).
    assert!(
        p.exec("srv", "test -c /dev/mynull && echo x > /dev/mynull")
            .is_some(),
        "/dev/mynull missing or not writable"
    );
    // httpd as pid 1 ignores SIGTERM and would be killed (137) at the timeout; docker-init
    // forwards it and exits with httpd's status.
    p.compose_ok(&["stop", "-t", "60", "srv"]);
    assert_eq!(
        d.inspect_format("{{.State.ExitCode}}", &p.container("srv")),
        "143"
    );
}

/// A one-record DNS server on `addr` (UDP): every A question gets `answer`, others no record.
fn fake_dns(addr: SocketAddr, answer: [u8; 4]) -> std::thread::JoinHandle<()> {
    let socket = std::net::UdpSocket::bind(addr).expect("bind fake dns");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while std::time::Instant::now() < deadline {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                continue;
            };
            let q = &buf[..n];
            // Header (12 bytes), then the question: labels up to a zero byte, type, class.
            let mut end = 12;
            while end < q.len() && q[end] != 0 {
                end += 1 + q[end] as usize;
            }
            if end + 5 > q.len() {
                continue;
            }
            let qtype = u16::from_be_bytes([q[end + 1], q[end + 2]]);
            let question = &q[12..end + 5];
            let is_a = qtype == 1;
            let mut r = Vec::new();
            r.extend_from_slice(&q[..2]);
            r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, u8::from(is_a), 0, 0, 0, 0]);
            r.extend_from_slice(question);
            if is_a {
                r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                r.extend_from_slice(&answer);
            }
            let _ = socket.send_to(&r, from);
        }
    })
}

#[test]
fn dns_servers_answer_names_outside_the_project() {
    require_root!();
    let d = Daemon::with_busybox();
    // A loopback address of its own (the embedded DNS forwards from the host).
    let upstream: SocketAddr = format!(
        "127.0.{}.{}:53",
        100 + d.net.index % 100,
        2 + d.net.index % 250
    )
    .parse()
    .unwrap();
    let _server = fake_dns(upstream, [10, 9, 8, 7]);
    let p = Project::new(
        &d,
        "cpdns",
        &format!(
            r#"version: "2.4"
services:
  q:
    image: busybox
    command: sh -c "sleep 1000"
    dns: {}
"#,
            upstream.ip()
        ),
    );
    p.compose_ok(&["up", "-d"]);
    let resolv = p.exec("q", "cat /etc/resolv.conf").unwrap_or_default();
    assert!(resolv.contains("nameserver 127.0.0.11"), "{resolv}");
    let mut answer = String::new();
    assert!(
        eventually(WAIT, || {
            answer = p
                .exec("q", "nslookup -type=a outside.example")
                .unwrap_or_default();
            answer.contains("10.9.8.7")
        }),
        "{answer}\n{}",
        log_tail(&d)
    );
}
