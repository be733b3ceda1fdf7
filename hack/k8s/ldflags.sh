# Sourced by hack/build-k8s.sh and hack/build-node.sh (run from hack/k8s): prints the -ldflags with
# which /version reports the real release, the same -X flags as Kubernetes' own build
# (hack/lib/version.sh). The module proxy records the tag's time but not its commit hash, so
# gitCommit says "unknown" rather than inventing one. Needs K8S_VERSION (versions.env).
k8s_ldflags() {
  local info_file build_date minor pkg flags="-s -w"
  info_file=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"Info": "\([^"]*\)".*/\1/p')
  build_date=$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$info_file")
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitCommit=unknown -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
  done
  echo "$flags"
}
