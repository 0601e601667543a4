# Sourced by the benchmarks: a berthd of their own (data root, socket, cgroup parent, default
# bridge, address pool and nft table), so a benchmark never collides with a developer's daemon
# and leaves nothing on the host. Needs $bin (the binaries) and $dir (a fresh temp dir).
bench_bridge="bb$(printf '%04x' $(( $$ % 65536 )))"
bench_net=$(( $$ % 200 + 20 ))
cgparent="berth-bench-$(basename "$dir")"

start_berthd() {
  "$bin/berthd" --data-root "$dir/root" --exec-root "$dir/run" -H "unix://$dir/d.sock" \
    --cgroup-parent "$cgparent" --bridge "$bench_bridge" --bip "10.198.$bench_net.1/24" \
    --default-address-pool "base=10.197.0.0/16,size=24" --ip-forward=false \
    >"$dir/berthd.log" 2>&1 &
  daemon=$!
  disown "$daemon"
  for _ in $(seq 1 200); do [ -S "$dir/d.sock" ] && break; sleep 0.05; done
}

stop_berthd() {
  kill -9 "$daemon" 2>/dev/null || true
  for h in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  for net in "$dir"/root/networks/*.json; do
    [ -f "$net" ] || continue
    br=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("Bridge", ""))' "$net" 2>/dev/null || true)
    [ -n "$br" ] && ip link del "$br" 2>/dev/null
  done
  ip link del "$bench_bridge" 2>/dev/null || true
  nft delete table ip "berth_$bench_bridge" 2>/dev/null || true
  nft delete table inet "berth_$bench_bridge" 2>/dev/null || true
  rm -rf "$dir"
}
