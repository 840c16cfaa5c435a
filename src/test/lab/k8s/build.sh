#!/usr/bin/env bash
# Builds the Kubernetes lab binaries from Go modules into a per-user cache keyed by version:
#   ${EDGE_LAB_CACHE:-${XDG_CACHE_HOME:-~/.cache}/edge-lab/k8s}/k8s-<v>_etcd-<v>_metallb-<v>/bin/
#     kube-apiserver      k8s.io/kubernetes/cmd/kube-apiserver   (apiserver/go.mod)
#     kubectl             k8s.io/kubernetes/cmd/kubectl          (kubectl/go.mod; for tests that do what the manual does)
#     etcd                go.etcd.io/etcd/server/v3              (etcd/go.mod)
#     metallb-controller  go.universe.tf/metallb/controller      (metallb/go.mod)
#     metallb-speaker     go.universe.tf/metallb/speaker         (metallb/go.mod, the same module)
#     edge-k8s-lab        the lab supervisor                     (labctl/)
# Idempotent: a binary that is already in the cache is not rebuilt (edge-k8s-lab is rebuilt
# when its sources change). The last line printed is `bin: <dir>`.
#   build.sh             build what is missing
#   build.sh --print-bin print the bin directory only (builds nothing)
#   build.sh --check     exit 0 if everything is built and current, 1 otherwise
# Needs Go (PATH or /usr/local/go/bin). If a module needs a newer Go than the one installed,
# go fetches that toolchain from the module proxy by itself (GOTOOLCHAIN=auto); set
# GOTOOLCHAIN=go1.2x.y to force one.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"

CACHE="${EDGE_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edge-lab/k8s}"
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_metallb-${METALLB_VERSION}"
BIN="$CACHE/$KEY/bin"

labctl_sha() {
  # sha256 over "<sha256>  <file>" lines of the supervisor's sources, sorted by name
  # (LabBinaries.java computes the same to detect a stale binary).
  (cd "$HERE/labctl" && LC_ALL=C ls go.mod *.go | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
}

# A binary is current when its stamp (hash of this script, versions.env and its wrapper
# module's go.mod/go.sum or sources) matches: a changed build recipe rebuilds it.
stamp() { # moddir
  (cd "$HERE" && LC_ALL=C sha256sum build.sh versions.env "$1"/go.mod $(LC_ALL=C ls "$1"/go.sum 2>/dev/null) | sha256sum | cut -d' ' -f1)
}
current() { # name moddir
  [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.stamp" 2>/dev/null)" = "$(stamp "$2")" ]
}

up_to_date() {
  current kube-apiserver apiserver && current kubectl kubectl && current etcd etcd && current metallb-controller metallb &&
    current metallb-speaker metallb &&
    [ -x "$BIN/edge-k8s-lab" ] && [ "$(cat "$BIN/.edge-k8s-lab.sha256" 2>/dev/null)" = "$(labctl_sha)" ]
}

case "${1:-}" in
  --print-bin) echo "$BIN"; exit 0 ;;
  --check) if up_to_date; then echo "bin: $BIN"; exit 0; else echo "not built: $BIN" >&2; exit 1; fi ;;
  "") ;;
  *) echo "usage: $0 [--print-bin|--check]" >&2; exit 2 ;;
esac

if up_to_date; then
  echo "build.sh: up to date" >&2
  echo "bin: $BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; else
    echo "build.sh: Go is not installed (needs go >= 1.22 on PATH or in /usr/local/go)" >&2; exit 1; fi
fi

# The wrapper go.mod files must require the versions named here.
check_require() { # dir module version
  grep -qE "^(require )?[[:space:]]*$2 $3( |$)" "$HERE/$1/go.mod" ||
    { echo "build.sh: $1/go.mod does not require $2 $3 (versions.env)" >&2; exit 1; }
}
check_require apiserver k8s.io/kubernetes "$K8S_VERSION"
check_require kubectl k8s.io/kubernetes "$K8S_VERSION"
check_require etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_require metallb go.universe.tf/metallb "$METALLB_VERSION"

mkdir -p "$BIN"
exec 9>"$CACHE/$KEY/.lock"
flock 9   # one build per cache entry at a time

export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--mod=readonly -buildvcs=false}"
TIME=()
if [ -x /usr/bin/time ] && [ -n "${EDGE_LAB_BUILD_TIMING:-}" ]; then TIME=(/usr/bin/time -v); fi

build() { # name moddir package [extra -ldflags]
  local name=$1 dir=$2 pkg=$3 ld="-s -w ${4:-}" t0=$SECONDS
  echo "build.sh: building $name from $pkg ($(cd "$HERE/$dir" && go env GOVERSION))..." >&2
  (cd "$HERE/$dir" && "${TIME[@]}" go build -trimpath -ldflags="$ld" -o "$BIN/.$name.tmp" "$pkg") >&2
  mv -f "$BIN/.$name.tmp" "$BIN/$name"
  [ "$dir" = labctl ] || stamp "$dir" > "$BIN/.$name.stamp"
  echo "build.sh: $name built in $((SECONDS - t0))s" >&2
}

# Module metadata (commit, release time) from the module proxy, for version stamping.
modinfo() { # moddir module version field
  (cd "$HERE/$1" && { go list -m -json "$2" 2>/dev/null; go mod download -json "$2@$3" 2>/dev/null; } |
    sed -n 's/^[[:space:]]*"'"$4"'": "\(.*\)",\{0,1\}$/\1/p' | head -1)
}

t_all=$SECONDS
k8s_ld() { # what hack/lib/version.sh sets in an official build (clients read /version; kubectl version prints it)
  local minor date commit p ld=""
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  date="$(modinfo apiserver k8s.io/kubernetes "$K8S_VERSION" Time)"
  commit="$(modinfo apiserver k8s.io/kubernetes "$K8S_VERSION" Hash)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    ld+=" -X $p.buildDate=${date:-1970-01-01T00:00:00Z} -X $p.gitCommit=$commit"
  done
  echo "$ld"
}
if ! current kube-apiserver apiserver; then
  build kube-apiserver apiserver k8s.io/kubernetes/cmd/kube-apiserver "$(k8s_ld)"
fi
# kubectl from the same module and version, so that tests do exactly what the manual does
if ! current kubectl kubectl; then
  build kubectl kubectl k8s.io/kubernetes/cmd/kubectl "$(k8s_ld)"
fi
if ! current etcd etcd; then
  sha="$(modinfo etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" Hash | cut -c1-8)"
  build etcd etcd go.etcd.io/etcd/server/v3 "${sha:+-X go.etcd.io/etcd/api/v3/version.GitSHA=$sha}"
fi
# MetalLB's two binaries come from one wrapper module and carry the same version stamp (what the
# release images log at start: "MetalLB <component> starting version 0.14.8 (commit …, branch v0.14.8)").
if ! current metallb-controller metallb || ! current metallb-speaker metallb; then
  metallb_ld="-X go.universe.tf/metallb/internal/version.gitCommit=$(modinfo metallb go.universe.tf/metallb "$METALLB_VERSION" Hash) -X go.universe.tf/metallb/internal/version.gitBranch=$METALLB_VERSION"
  current metallb-controller metallb || build metallb-controller metallb go.universe.tf/metallb/controller "$metallb_ld"
  current metallb-speaker metallb || build metallb-speaker metallb go.universe.tf/metallb/speaker "$metallb_ld"
fi
sha="$(labctl_sha)"
if [ ! -x "$BIN/edge-k8s-lab" ] || [ "$(cat "$BIN/.edge-k8s-lab.sha256" 2>/dev/null)" != "$sha" ]; then
  build edge-k8s-lab labctl .
  echo "$sha" > "$BIN/.edge-k8s-lab.sha256"
fi
echo "build.sh: done in $((SECONDS - t_all))s" >&2
echo "bin: $BIN"
