#!/usr/bin/env bash
# recordtls benchmarks: every figure against its baseline, in the same run, on this machine.
# Writes docs/benchmarks.md (figures, ratios, the commands, machine and kernel). Needs root.
#   benchmarks/run.sh            # about 15 minutes (BENCH_SECONDS=8: the duration of each load)
# Loads are on loopback only, bounded in time.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
top=$(dirname "$here")
. "$top/scripts/lib.sh"
[ "$(id -u)" -eq 0 ] || { rt_log "benchmarks attach eBPF probes: run as root"; exit 1; }
rt_ensure_packages $RECORDTLS_BUILD_PACKAGES nginx wrk time
command -v go > /dev/null || rt_ensure_packages golang-go
rt_find_java
rt_utf8_jvm
"$top/recordtls" --version >/dev/null   # builds what is missing

DUR=${BENCH_SECONDS:-15}
work=$(mktemp -d /tmp/recordtls-bench.XXXXXX)
chmod 755 "$work"   # nginx's workers (www-data) read the files served
shm=$(mktemp -d /dev/shm/recordtls-bench.XXXXXX)   # section 5: the conversion without the file system
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; rm -rf "$work" "$shm"' EXIT
CP="$top/cli/target/recordtls.jar:$(ls "$top"/cli/target/lib/*.jar | tr '\n' ':')"
JAVA_RUN=("$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP")
RT=("$JAVA" --enable-native-access=ALL-UNNAMED -jar "$top/cli/target/recordtls.jar")
results=()
row() { results+=("| $1 | $2 | $3 | \`$4\` |"); printf '%-58s %s\n' "$1" "$2 ${3:+($3)}"; }

# --- an HTTPS server on loopback: nginx, one worker (wrk gets the other core) ---------------
mkdir -p "$work/html"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
printf '{"id":42,"name":"benchmark item","tags":["a","b","c"],"price":12.5}' > "$work/html/item.json"
head -c $((100 << 20)) /dev/urandom > "$work/html/big.bin"
PORT=${BENCH_PORT:-18643}
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  types { application/json json; application/octet-stream bin; }
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    root $work/html;
  }
}
EOF
chmod -R a+rX "$work/html"
nginx -c "$work/nginx.conf"
URL=https://127.0.0.1:$PORT
[ "$(curl -s --cacert "$work/cert.pem" -o /dev/null -w '%{http_code}' "$URL/item.json")" = 200 ] || { rt_log "nginx does not serve $URL/item.json"; exit 1; }
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
requests() { sed -n 's/^ *\([0-9]*\) requests in .*/\1/p'; }
WRK=(wrk -t1 -c8 -d${DUR}s "$URL/item.json")
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

# --- 1. overhead above the trap floor ----------------------------------------------------------
# The floor is what the traps alone cost: do-nothing uprobes on entry and return of the four SSL
# I/O functions, planted in wrk only (pid-scoped, as recordtls plants its probes), then the same
# planted system-wide (every process that maps libssl traps, nginx included: recordtls before 0.2).
for conns in 2 8; do
  load=(wrk -t1 -c$conns -d${DUR}s "$URL/item.json")
  echo "1. overhead: ${load[*]}"
  a=$("${load[@]}" | rps)
  b=$("${JAVA_RUN[@]}" "$here/NoopProbes.java" -- "${load[@]}" | rps)
  coproc NOOP { exec "${JAVA_RUN[@]}" "$here/NoopProbes.java"; }
  read -r line <&"${NOOP[0]}"; echo "   $line"
  bsys=$("${load[@]}" | rps)
  exec {NOOP[1]}>&-; wait "$NOOP_PID" || true
  "${RT[@]}" record -q -o "$work/load.har" -- "${load[@]}" > "$work/wrk-c.txt"
  c=$(rps < "$work/wrk-c.txt")
  row "(a) wrk -c$conns, not recorded" "$a req/s" "" "${load[*]}"
  row "(b) wrk -c$conns, no-op uprobes on the same functions in wrk only (trap floor)" "$b req/s" "b/a $(ratio "$b" "$a")" "java NoopProbes.java -- ${load[*]}"
  row "(b') wrk -c$conns, the same no-op uprobes system-wide" "$bsys req/s" "b'/a $(ratio "$bsys" "$a")" "java NoopProbes.java & ${load[*]}"
  row "(c) wrk -c$conns under recordtls record" "$c req/s" "c/a $(ratio "$c" "$a"), c/b $(ratio "$c" "$b")" "recordtls record -- ${load[*]}"
done

# --- 1b. processes outside the recording pay nothing -------------------------------------------
echo "1b. outside the scope: ${WRK[*]} while recordtls record -- sleep runs"
a=$("${WRK[@]}" | rps)
"${RT[@]}" record -q -o "$work/sleep.har" -- sleep $((DUR + 10)) &
rec_pid=$!
sleep 5   # started, probes loaded
o=$("${WRK[@]}" | rps)
wait "$rec_pid" || true
row "(o) wrk, not recorded, while recordtls records another process" "$o req/s" "o/a $(ratio "$o" "$a") (a: $a req/s just before)" "recordtls record -- sleep $((DUR + 10)) & ${WRK[*]}"

# --- 2. completeness under load ----------------------------------------------------------------
done_by_wrk=$(requests < "$work/wrk-c.txt")
read -r complete incomplete dropped rate mbps < <(python3 - "$work/load.har" "$DUR" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
e = h["log"]["entries"]
complete = sum(1 for x in e if not x.get("_incomplete"))
cap = h["log"]["_recordtls"]["capture"]
print(complete, len(e) - complete, cap["droppedEvents"], f"{complete / float(sys.argv[2]):.0f}", f"{cap['bytes'] / float(sys.argv[2]) / 1e6:.1f}")
EOF
)
row "complete exchanges in the HAR / completed by wrk" "$complete / $done_by_wrk" "$incomplete in flight at stop, marked incomplete; ring-buffer drops: $dropped" "recordtls record -- ${WRK[*]}"
row "recorded exchanges/s, plaintext MB/s" "$rate/s, $mbps MB/s" "" "(same run)"

# --- 2b. exchanges/s vs body size -------------------------------------------------------------
# The same wrk load (-c8) on JSON bodies of 1 KiB to 1 MiB, not recorded and recorded: where the
# cost per exchange (traps, events, the pipeline per exchange) gives way to the cost per byte
# (copies into the ring buffer and out, the HAR). Completeness from the recording's summary. Beside
# it, PipelineCost.java: the same exchanges through the recorder's parsing and HAR code on one
# thread, with no probes and no load generator: what the pipeline alone can take.
summary_counts() { # SUMMARY-FILE: recorded exchanges, incomplete, dropped events, truncated bodies
  python3 - "$1" <<'PYEOF'
import re, sys
s = open(sys.argv[1]).read()
def n(p): m = re.search(p, s); return m.group(1) if m else "?"
print(n(r"recorded (\d+) exchanges"), n(r"incomplete entries: (\d+)"), n(r"(\d+)(?: ring-buffer)? events dropped"), n(r"truncated bodies: (\d+)"))
PYEOF
}
SWEEP_DUR=$(( DUR > 8 ? DUR / 2 : 4 ))
for kib in 1 16 128 1024; do
  python3 - "$work/html/body-$kib.json" $((kib * 1024)) <<'PYEOF'
import sys
size = int(sys.argv[2]); items = []; n = 0
while sum(map(len, items)) + len(items) + 2 < size - 64:
    items.append('{"id":%d,"name":"item %d","tags":["a","b"],"price":%d.5}' % (n, n, n % 100)); n += 1
body = "[" + ",".join(items) + "]"
open(sys.argv[1], "w").write(body + " " * (size - len(body)))
PYEOF
  chmod a+r "$work/html/body-$kib.json"
  load=(wrk -t1 -c8 -d${SWEEP_DUR}s "$URL/body-$kib.json")
  echo "2b. body size: ${load[*]}"
  a=$("${load[@]}" | rps)
  "${RT[@]}" record -o "$work/sweep.har" -- "${load[@]}" > "$work/sweep-wrk.txt" 2> "$work/sweep-summary.txt"
  c=$(rps < "$work/sweep-wrk.txt"); by_wrk=$(requests < "$work/sweep-wrk.txt")
  read -r got incomplete dropped truncated < <(summary_counts "$work/sweep-summary.txt")
  rm -f "$work/sweep.har"
  read -r pipe _ < <("${JAVA_RUN[@]}" "$here/PipelineCost.java" "$work/html/body-$kib.json" $SWEEP_DUR)
  mbs() { python3 -c "print(f'{$1 * $kib * 1024 / 1e6:.0f}')"; }
  row "body $kib KiB, wrk -c8: not recorded / recorded" "$a / $c req/s ($(mbs "$a") / $(mbs "$c") MB/s of bodies)" "c/a $(ratio "$c" "$a"); complete in the HAR $((got - incomplete)) of $by_wrk completed by wrk, $incomplete marked incomplete; events dropped $dropped, bodies truncated $truncated; the pipeline alone (one thread, no probes): $pipe exchanges/s ($(mbs "$pipe") MB/s)" "wrk -t1 -c8 -d${SWEEP_DUR}s $URL/body-$kib.json; recordtls record -- the same; java PipelineCost.java body-$kib.json $SWEEP_DUR"
done

# --- 3. big bodies -----------------------------------------------------------------------------
echo "3. big bodies"
t0=$(date +%s.%N); curl -s --cacert "$work/cert.pem" -o /dev/null "$URL/big.bin"; t1=$(date +%s.%N)
/usr/bin/time -f %M -o "$work/big.rss" "${RT[@]}" record -q --max-body 128m -o "$work/big.har" -- curl -s --cacert "$work/cert.pem" -o /dev/null "$URL/big.bin"
read -r exact ms < <(python3 - "$work/big.har" "$work/html/big.bin" <<'EOF'
import base64, hashlib, json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"][0]
body = base64.b64decode(e["response"]["content"]["text"])
same = hashlib.sha256(body).digest() == hashlib.sha256(open(sys.argv[2], "rb").read()).digest()
lost = sum(e.get("_lostBytes", {}).values())
print("byte-exact" if same else f"DIFFERENT:_{lost}_bytes_lost_(ring_buffer_full)" if lost else "DIFFERENT", e["time"])
EOF
)
mb=$((100 * 1048576))
row "100 MiB response, not recorded" "$(python3 -c "print(f'{$mb/($t1-$t0)/1e6:.0f} MB/s')")" "" "curl -o /dev/null $URL/big.bin"
row "100 MiB response, recorded" "$(python3 -c "print(f'{$mb/($ms/1000)/1e6:.0f} MB/s')")" "${exact//_/ } (request to last byte, from the HAR's timings)" "recordtls record --max-body 128m -- curl -o /dev/null $URL/big.bin"
row "100 MiB response, recorder's peak RSS" "$(( $(tail -1 "$work/big.rss") / 1024 )) MiB" "the body is held as few times as possible: compare with 100 MiB" "recordtls record --max-body 128m -- curl -o /dev/null $URL/big.bin"

# --- 4. against a recording proxy --------------------------------------------------------------
echo "4. per-request latency: direct, recordtls, WireMock's recording proxy"
cat > "$work/loop.py" <<'EOF'
import http.client, ssl, sys, time, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
if url.scheme == "https":
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=ssl.create_default_context(cafile=sys.argv[2]))
else:
    conn = http.client.HTTPConnection(url.hostname, url.port)
def get():
    conn.request("GET", url.path)
    conn.getresponse().read()
n = int(sys.argv[3]) if len(sys.argv) > 3 else 500
get()  # connection set up outside the timing
t = time.perf_counter()
for _ in range(n):
    get()
print(f"{(time.perf_counter() - t) / n * 1000:.3f}")
EOF
direct=$(python3 "$work/loop.py" "$URL/item.json" "$work/cert.pem")
recorded=$("${RT[@]}" record -q -o "$work/loop.har" -- python3 "$work/loop.py" "$URL/item.json" "$work/cert.pem")
coproc PROXY { exec "${JAVA_RUN[@]}" "$here/ProxyRecorder.java" "$URL"; }
read -r line <&"${PROXY[0]}"; pport=${line##* }
proxied=$(python3 "$work/loop.py" "http://127.0.0.1:$pport/item.json")
exec {PROXY[1]}>&-; wait "$PROXY_PID" || true
row "per request, direct (python http.client, keep-alive)" "$direct ms" "" "python3 loop.py (500 GETs)"
row "per request, under recordtls" "$recorded ms" "+$(python3 -c "print(f'{$recorded-$direct:.3f}')") ms" "recordtls record -- python3 loop.py"
row "per request, through WireMock's recording proxy" "$proxied ms" "+$(python3 -c "print(f'{$proxied-$direct:.3f}')") ms" "WireMock startRecording(upstream); python3 loop.py via proxy"

# --- 5. stub generation ------------------------------------------------------------------------
# As users run it (./recordtls: the serial collector for this batch job, the AOT cache), into a
# directory on this disk; beside it the file-system floor, python3 writing the same number of files
# of the same sizes there (on this machine's ext4, creating files soon after many were deleted
# costs several times the system time of a fresh disk, so the two are read together). Then the
# JVM's share without the file system: the same into tmpfs, as ./recordtls runs it and with the
# JVM's defaults (G1), with the JIT's compile time of that run.
echo "5. stub generation"
stubs_row() { # LABEL SHOWN-COMMAND DIR COMMAND...: one conversion into DIR, timed
  local label=$1 shown=$2 dir=$3; shift 3
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" -o "$dir" > "$work/stubs-out"
  read -r secs user sys kb < "$work/time"
  jit=$(sed -n 's/^ *Total compilation time *: *\([0-9.]*\) s.*/, of it \1 s compiling/p' "$work/stubs-out")
  row "$label" "$secs s" "CPU ${user} s user + ${sys} s sys${jit}, peak RSS $((kb / 1024)) MiB, JVM start included" "$shown"
}
for n in 10000 100000; do
  python3 "$here/gen_har.py" $n "$work/gen-$n.har"
  stubs_row "$n HAR entries to stubs" "./recordtls stubs --any-host gen-$n.har -o DIR" \
    "$work/stubs-$n" "$top/recordtls" stubs --any-host "$work/gen-$n.har"
  /usr/bin/time -f '%e %U %S' -o "$work/time-$n" python3 - "$work/stubs-$n" "$work/floor-$n" <<'PY'
import os, sys
src, dst = sys.argv[1], sys.argv[2]
for sub in ("mappings", "__files"):
    os.makedirs(f"{dst}/{sub}")
    for name in os.listdir(f"{src}/{sub}"):
        size = os.path.getsize(f"{src}/{sub}/{name}")
        fd = os.open(f"{dst}/{sub}/{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o644)
        os.write(fd, b"x" * size)
        os.close(fd)
PY
  read -r secs user sys < "$work/time-$n"
  files=$(find "$work/floor-$n" -type f | wc -l)
  row "file-system floor: the same $files files written by python3" "$secs s" "CPU ${user} s user + ${sys} s sys" "python3: os.open(O_CREAT|O_EXCL) + write + close per file"
  stubs_row "$n HAR entries to stubs, into tmpfs" "./recordtls stubs --any-host gen-$n.har -o /dev/shm/DIR" \
    "$shm/stubs-$n" "$top/recordtls" stubs --any-host "$work/gen-$n.har"
  stubs_row "$n HAR entries to stubs, into tmpfs, JVM defaults (G1)" "java -XX:+CITime -jar recordtls.jar stubs --any-host gen-$n.har -o /dev/shm/DIR" \
    "$shm/stubs-$n-g1" \
    "$JAVA" -XX:+CITime --enable-native-access=ALL-UNNAMED -jar "$top/cli/target/recordtls.jar" stubs --any-host "$work/gen-$n.har"
  rm -rf "$work/stubs-$n" "$work/floor-$n" "$shm"/*
done

# --- 6. replay ---------------------------------------------------------------------------------
# One stub is WireMock's own floor (Jetty, its request model and the journal, one match); 10k
# stubs go through the route index. The server's CPU per request at 64 connections is what bounds
# the rate on two cores shared with wrk.
echo "6. replay"
for n in 1 1000 10000; do
  stubs="$n stub$([ $n = 1 ] || echo s)"
  python3 "$here/gen_har.py" $n "$work/r-$n.har"
  "${RT[@]}" stubs --any-host "$work/r-$n.har" -o "$work/replay-$n" > /dev/null
  t0=$(date +%s%N)
  coproc REPLAY { exec "${RT[@]}" replay "$work/replay-$n" --https-port -1; }
  read -r line <&"${REPLAY[0]}"; hport=$(echo "$line" | grep -o 'http://127.0.0.1:[0-9]*' | cut -d: -f3)
  row "replay server ready, $stubs" "$(( ($(date +%s%N) - t0) / 1000000 )) ms" "from the launch to listening, JVM start included" "recordtls replay DIR"
  wrk -t1 -c16 -d10s "http://127.0.0.1:$hport" -s "$here/replay.lua" -- $n > /dev/null   # warm-up (JIT)
  r=$(wrk -t1 -c16 -d${DUR}s "http://127.0.0.1:$hport" -s "$here/replay.lua" -- $n | rps)
  row "replay server, $stubs" "$r req/s" "random recorded paths" "recordtls replay DIR; wrk -t1 -c16 -s replay.lua -- $n"
  # scaling: one connection shows the latency per request, 64 what the server's threads allow
  for c in 1 8 64; do
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$REPLAY_PID/stat")
    out=$(wrk -t1 -c$c -d${DUR}s "http://127.0.0.1:$hport" -s "$here/replay.lua" -- $n)
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$REPLAY_PID/stat")
    done_n=$(echo "$out" | requests)
    cpu="server CPU $(( (u1 - u0) * 1000000 / $(getconf CLK_TCK) / done_n )) us user + $(( (s1 - s0) * 1000000 / $(getconf CLK_TCK) / done_n )) us sys per request"
    row "replay server, $stubs, $c connection$([ $c = 1 ] || echo s)" "$(echo "$out" | rps) req/s" "$cpu" "recordtls replay DIR; wrk -t1 -c$c -s replay.lua -- $n"
  done
  kill "$REPLAY_PID"; wait "$REPLAY_PID" 2>/dev/null || true
done

# --- 7. containers ------------------------------------------------------------------------------
# The same loop.py, in a container of the test image (host network): not recorded, recorded by
# container id, and two containers of the same image recorded together, run one after the other:
# the library file is reached through two overlay mounts and attached twice, so the second one's
# SSL calls trap on both attachments. Each container waits for /tmp/go, so the recorder is
# attached before the first request.
if rt_ensure_docker && image=$("$top/scripts/test-images.sh"); then
  echo "7. containers ($image)"
  N=3000  # requests per loop: more than section 4's, the figures are a few hundred microseconds apart
  hdirect=$(python3 "$work/loop.py" "$URL/item.json" "$work/cert.pem" $N)
  hrec=$("${RT[@]}" record -q -o "$work/host.har" -- python3 "$work/loop.py" "$URL/item.json" "$work/cert.pem" $N)
  waiting() {
    docker run -d --network host -v "$work:$work:ro" "$image" sh -c \
      "while [ ! -e /tmp/go ]; do sleep 0.05; done; exec python3 $work/loop.py $URL/item.json $work/cert.pem $N"
  }
  go_and_wait() { for c in "$@"; do docker exec "$c" touch /tmp/go; docker wait "$c" > /dev/null; done; }  # one after the other
  figure() { docker logs "$1" 2>&1 | tail -n1; docker rm "$1" > /dev/null; }
  recorded_containers() { # CONTAINER...: record them, start their loops, print each one's figure
    local args=() c
    for c in "$@"; do args+=(--container "$c"); done
    "${RT[@]}" record "${args[@]}" -o "$work/containers.har" 2> "$work/record.err" &
    local rec=$!
    until grep -q "recording container" "$work/record.err"; do sleep 0.1; kill -0 $rec || { cat "$work/record.err" >&2; exit 1; }; done
    go_and_wait "$@"
    wait $rec
    for c in "$@"; do figure "$c"; done
  }
  c=$(waiting); go_and_wait "$c"; cdirect=$(figure "$c")
  crec=$(recorded_containers "$(waiting)")
  read -r two1 two2 <<< "$(recorded_containers "$(waiting)" "$(waiting)" | tr '\n' ' ')"
  row "per request, on the host, not recorded / recorded" "$hdirect ms / $hrec ms" "+$(python3 -c "print(f'{$hrec-$hdirect:.3f}')") ms" "python3 loop.py URL CA $N; recordtls record -- the same"
  row "per request, in a container, not recorded" "$cdirect ms" "" "docker run --network host IMAGE python3 loop.py URL CA $N"
  row "per request, in a container, recorded" "$crec ms" "+$(python3 -c "print(f'{$crec-$cdirect:.3f}')") ms" "recordtls record --container ID"
  row "per request, two containers of one image recorded together" "first $two1 ms, second $two2 ms" "the second one's library is attached twice (two overlay paths, one file): one shared breakpoint" "recordtls record --container A --container B"
else
  rt_log "7. containers: skipped (no Docker engine or no test image)"
fi

# --- 8. JVM clients (JSSE, through the JVM probe) ------------------------------------------------
# The same keep-alive GET loop from a JDK client, not recorded and recorded (the recorder puts the
# probe in JAVA_TOOL_OPTIONS): one write(2) to /dev/null per JSSE call instead of a uprobe trap.
# Beside it, section 4's python loop under the OpenSSL uprobes. Then what the probe adds to a
# JVM's start (premain: Byte Buddy and the retransformation of the JSSE classes).
echo "8. JVM clients"
N=5000
probe=$(ls "$top"/cli/target/lib/recordtls-jvm-probe-*.jar)
for client in httpclient urlconnection; do
  jd=$("$JAVA" "$here/JdkLoop.java" $client "$URL/item.json" "$work/cert.pem" $N 2>/dev/null)
  # the probe loaded and writing its frames, with no recorder reading them: what the probe costs the JVM itself
  jp=$("$JAVA" -javaagent:"$probe" "$here/JdkLoop.java" $client "$URL/item.json" "$work/cert.pem" $N 2>/dev/null)
  jr=$("${RT[@]}" record -q -o "$work/jvm-$client.har" -- "$JAVA" "$here/JdkLoop.java" $client "$URL/item.json" "$work/cert.pem" $N 2>/dev/null)
  got=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['log']['entries']))" "$work/jvm-$client.har")
  row "per request, JDK $client: not recorded / probe only / recorded" "$jd ms / $jp ms / $jr ms" "probe +$(python3 -c "print(f'{$jp-$jd:.3f}')") ms, recorded +$(python3 -c "print(f'{$jr-$jd:.3f}')") ms; $got exchanges in the HAR (2000 warm-up + $N)" "java [-javaagent:recordtls-jvm-probe.jar] JdkLoop.java $client URL CA $N; recordtls record -- the same"
done
row "per request, python (OpenSSL uprobes), for comparison" "$direct ms / $recorded ms" "+$(python3 -c "print(f'{$recorded-$direct:.3f}')") ms (section 4)" "(section 4)"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hi"); } }\n' > "$work/Hello.java"
"$(dirname "$JAVA")/javac" -d "$work/hello" "$work/Hello.java"
start_ms() { python3 - "$@" <<'PYEOF'
import subprocess, sys, time
best = []
for _ in range(7):
    t = time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    best.append((time.perf_counter() - t) * 1000)
best.sort(); print(f"{best[len(best) // 2]:.0f}")
PYEOF
}
s0=$(start_ms "$JAVA" -cp "$work/hello" Hello)
s1=$(start_ms "$JAVA" -javaagent:"$probe" -cp "$work/hello" Hello)
row "JVM start to exit (hello world), without / with the probe (premain)" "$s0 ms / $s1 ms" "+$((s1 - s0)) ms, median of 7" "java -cp . Hello; java -javaagent:recordtls-jvm-probe.jar -cp . Hello"

# --- 8b. a Go client under load (crypto/tls, through the Go probes) -----------------------------
# GoLoad.go: N goroutines on N keep-alive connections, for the same duration, not recorded and
# recorded, at 1, 8 and 64 connections. A Go binary links crypto/tls in: the recorder plants its
# probes in the binary itself (no shared library), per process as for OpenSSL.
echo "8b. Go client"
if command -v go > /dev/null; then
  (cd "$here" && GOCACHE="$work/go-cache" GOPATH="$work/gopath" GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
    go build -o "$work/goload" GoLoad.go)
  for conns in 1 8 64; do
    gl=("$work/goload" "$URL/item.json" "$work/cert.pem" $conns $SWEEP_DUR)
    read -r _ ga _ < <("${gl[@]}")
    "${RT[@]}" record -o "$work/go.har" -- "${gl[@]}" > "$work/go-load.txt" 2> "$work/go-summary.txt"
    read -r by_go gc _ < "$work/go-load.txt"
    read -r got incomplete dropped truncated < <(summary_counts "$work/go-summary.txt")
    rm -f "$work/go.har"
    row "Go client, $conns connection(s): not recorded / recorded" "$ga / $gc req/s" "c/a $(ratio "$gc" "$ga"); complete in the HAR $((got - incomplete)) of $by_go completed by the client, $incomplete marked incomplete; events dropped $dropped" "goload URL CA $conns $SWEEP_DUR; recordtls record -- the same"
  done
else
  rt_log "8b. Go client: skipped (no Go toolchain: apt-get install golang-go)"
fi

# --- 9. start-up ---------------------------------------------------------------------------------
# A recording of a command that does nothing, against the command alone and against the bare start
# of the same JVM: what recordtls adds before and after the command (JVM, eBPF load and attach, the
# launch gate, detaching, the HAR). With and without the AOT cache ./recordtls makes after a build.
# Then one run with RECORDTLS_PHASES: where the wall-clock time of that recording goes.
echo "9. start-up"
aot=$(ls -t "$top"/cli/target/recordtls-*.aot 2>/dev/null | head -1 || true)
cache=()
[ -n "$aot" ] && cache=(-XX:AOTCache="$aot" -Xlog:aot=off -Xlog:cds=off)
u0=$(start_ms true)
u1=$(start_ms "$JAVA" -version)
u2=$(start_ms "${RT[@]}" record -q -o "$work/true.har" -- true)
row "start to exit: true / java -version / recordtls record -- true" "$u0 ms / $u1 ms / $u2 ms" "recordtls adds $((u2 - u0)) ms, $((u2 - u1)) ms over a bare JVM; median of 7" "true; java -version; java -jar recordtls.jar record -- true"
if [ -n "$aot" ]; then
  u3=$(start_ms "$JAVA" "${cache[@]}" --enable-native-access=ALL-UNNAMED -jar "$top/cli/target/recordtls.jar" record -q -o "$work/true.har" -- true)
  row "recordtls record -- true with the JVM's AOT cache" "$u3 ms" "$((u3 - u2)) ms against no cache; median of 7" "java -XX:AOTCache=cli/target/recordtls-*.aot -jar recordtls.jar record -- true (as ./recordtls runs it)"
fi
phases=$(RECORDTLS_PHASES=$(date +%s%N) "$JAVA" "${cache[@]}" --enable-native-access=ALL-UNNAMED \
  -jar "$top/cli/target/recordtls.jar" record -q -o "$work/true.har" -- true 2>&1 >/dev/null \
  | sed -n 's/^recordtls: phase *\([0-9.]*\) ms  \(.*\)$/\2 \1;/p' | tr '\n' ' ')
row "record -- true: where the time goes (ms from the launch, one run)" "$phases" "phase names: what has just ended" "RECORDTLS_PHASES=\$(date +%s%N) recordtls record -- true"

# --- 10. JUnit: what @RecordTls costs a test --------------------------------------------------------
# A user's project (benchmarks/junit: recordtls-junit from the local repository) with one test
# repeated 21 times: curl fetching item.json from the nginx above, a new process each time. Run
# without recordtls, then under @RecordTls recording, then replaying what was recorded, each in a
# JVM of its own. "First" is from the class's start to the end of its first test (what the first
# test of a run waits for: the recorder or the replay server starting); "later" is the median of
# the other tests, each with what the extension does before and after it; curl's own time inside
# the tests is beside it.
echo "10. JUnit"
(cd "$top" && mvn -B -q -ntp install -DskipTests -Dfuzz.skip=true -pl junit-extension -am) >/dev/null 2>&1
junit_run() { # NAME [mvn args]: one run of the bench project; writes first, later, curl, slowest curl (ms), failed
  (cd "$here/junit" && mvn -B -q -ntp test -Dbench.origin="$URL" -Dbench.path=/item.json -Dbench.cacert="$work/cert.pem" \
    -Dbench.times="$work/junit-$1.times" -Dbench.recordings="$work/junit-recordings" "${@:2}") > "$work/junit-$1.log" 2>&1 \
    || { rt_log "the JUnit benchmark ($1) failed: $work/junit-$1.log"; tail -40 "$work/junit-$1.log" >&2; exit 1; }
  python3 "$here/junit/timeline.py" "$work/junit-$1.times" > "$work/junit-$1.figures"
}
junit_run plain -Dtest=PlainTest
# The first run of a new recorder jar trains the recorder's JVM cache ($XDG_CACHE_HOME/recordtls,
# here a new one) as it goes: what a user's first run after an upgrade pays once. It has a row of
# its own; the rows after it are every later run.
export XDG_CACHE_HOME="$work/xdg-cache"
junit_run training -Dtest=RecordedTest -Drecordtls.mode=RECORD
junit_run record -Dtest=RecordedTest -Drecordtls.mode=RECORD
unset XDG_CACHE_HOME
junit_run replay -Dtest=RecordedTest -Drecordtls.mode=REPLAY
read -r f0 l0 k0 m0 _ < "$work/junit-plain.figures"
read -r f1 l1 k1 m1 _ < "$work/junit-record.figures"
read -r f2 l2 k2 m2 _ < "$work/junit-replay.figures"
read -r ft _ < "$work/junit-training.figures"
over() { python3 -c "print(f'{$1 - $2:+.0f}')"; }
row "JUnit, first test of a run: plain / recording / replaying" "$f0 ms / $f1 ms / $f2 ms" "recordtls adds $(over "$f1" "$f0") ms recording, $(over "$f2" "$f0") ms replaying" "mvn test -Dtest=PlainTest; -Dtest=RecordedTest -Drecordtls.mode=RECORD; =REPLAY (benchmarks/junit)"
row "JUnit, first test of the first run of a new recorder jar (the recorder's JVM cache is made)" "$ft ms" "recordtls adds $(over "$ft" "$f0") ms, once per recordtls version and JDK; the row above is every run after it" "(the same, on a fresh ~/.cache/recordtls entry)"
row "JUnit, a later test: plain / recording / replaying" "$l0 ms / $l1 ms / $l2 ms" "recordtls adds $(over "$l1" "$l0") ms recording, $(over "$l2" "$l0") ms replaying (median of 20)" "(the same runs)"
row "JUnit, curl inside a later test: plain / recording / replaying" "$k0 ms / $k1 ms / $k2 ms" "recording: the exec gate and the probes on each new process; replaying: curl talks to the replay server" "(the same runs)"
row "JUnit, the slowest curl of the later tests: plain / recording / replaying" "$m0 ms / $m1 ms / $m2 ms" "a process held at exec longer than its probes take shows here" "(the same runs)"

# --- the report ----------------------------------------------------------------------------------
out="$top/docs/benchmarks.md"
mkdir -p "$(dirname "$out")"
{
  echo "# Benchmarks"
  echo
  echo "Made by \`benchmarks/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "kernel $(uname -r), $(openssl version | cut -d' ' -f1-2), nginx $(nginx -v 2>&1 | cut -d/ -f2), $("$JAVA" -version 2>&1 | head -1))."
  echo "Each figure is measured against its baseline in the same run. Loads run on loopback."
  echo
  echo "| what | figure | ratio / note | command |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${results[@]}"
  echo
  cat "$here/notes.md"
} > "$out"
echo "wrote $out"
