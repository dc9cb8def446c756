#!/bin/sh
# labgrade-overlay: the build of an MIT 6.5840 Raft submission, run from the
# student's src/ folder (module 6.5840) with our overlay laid over it.
#
# It names the layout (2025: raft1/ with raftapi/ and tester1/; 2024: raft/
# with package raft), removes what our harness replaces (the skeleton's
# copies of labgob, labrpc, raftapi and tester1, the Raft package's tests
# and in-process tester), writes a go.mod of ours when the student's needs
# what an offline build cannot have, and builds our peer host for that
# layout with the student's Raft into $LABGRADE_BUILD_OUT (/work/out/peer).
# Every file it removes or rewrites is named in the log. Our own files carry
# the word labgrade-overlay in their first lines; nothing else here has it.
set -eu

out=${LABGRADE_BUILD_OUT:-/work/out/peer}
marker=labgrade-overlay

say() { printf '%s\n' "$*"; }
fail() {
	printf 'labgrade: %s\n' "$*" >&2
	exit 1
}
ours() { head -n 5 "$1" | grep -q "$marker"; }
remove() {
	rm -f "$1"
	say "removed $1 ($2)"
}

# student_go DIR: DIR holds a Go file of the student's that is not a test.
student_go() {
	for f in "$1"/*.go; do
		[ -f "$f" ] || continue
		case "$f" in *_test.go) continue ;; esac
		ours "$f" || return 0
	done
	return 1
}

[ -f go.mod ] || fail "no go.mod at the top of the upload: upload your skeleton's src/ folder, the one with go.mod (module 6.5840)"
module=$(sed -n 's/^[[:space:]]*module[[:space:]][[:space:]]*"\{0,1\}\([^"[:space:]]*\).*/\1/p' go.mod | head -n 1)
[ "$module" = "6.5840" ] || fail "go.mod names the module \"$module\", not 6.5840: upload the course skeleton's src/ folder with its own go.mod"

if student_go raft1; then
	layout=2025
	pkg=raft1
	if student_go raft; then say "note: both raft1/ and raft/ hold Raft code; building raft1/ (the 2025 layout)"; fi
elif student_go raft; then
	layout=2024
	pkg=raft
else
	fail "no raft1/ or raft/ folder with your Raft: upload your skeleton's src/ folder, the one with go.mod (module 6.5840)"
fi
say "layout: $layout"
grep -q '^func Make(' "$pkg"/*.go || fail "$pkg/ has no func Make: the peer host starts your Raft with $pkg.Make(peers, me, persister, applyCh)"

# The skeleton's copies of the packages we replace: every Go file in them that is not ours.
for dir in labgob labrpc raftapi tester1; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*.go; do
		[ -f "$f" ] || continue
		ours "$f" || remove "$f" "the skeleton's $dir; ours replaces it"
	done
done

# The Raft package's tests and in-process tester: our tester runs the tests over a real network.
for f in "$pkg"/*.go; do
	[ -f "$f" ] || continue
	ours "$f" && continue
	case "$f" in
	*_test.go)
		remove "$f" "a test file; our tester runs the tests"
		continue
		;;
	esac
	if grep -Eq '^[[:space:]]*(import[[:space:]]+)?"testing"' "$f"; then
		remove "$f" "the skeleton's in-process tester"
	elif [ "$layout" = 2025 ] && { [ "$f" = raft1/server.go ] || grep -q 'rfsrv' "$f"; }; then
		remove "$f" "the skeleton's tester-side server"
	fi
done

# An offline build can use neither the skeleton's requirements (2025's
# porcupine, used only by the tester) nor a Go newer than ours.
have=$(go env GOVERSION | sed 's/^go\([0-9]*\.[0-9]*\).*/\1/')
want=$(sed -n 's/^go[[:space:]][[:space:]]*\([0-9]*\.[0-9]*\).*/\1/p' go.mod | head -n 1)
why=""
if grep -Eq '^[[:space:]]*require([[:space:]]|\(|$)' go.mod; then
	why="it requires modules the network-less build cannot fetch"
fi
if [ -n "$want" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -t. -k1,1n -k2,2n | tail -n 1)" != "$have" ]; then
	why="${why:+$why, and }it asks for Go $want (the build has Go $have)"
fi
if [ -n "$why" ]; then
	printf 'module 6.5840\n\ngo %s\n' "$have" >go.mod
	rm -f go.sum
	say "go.mod: $why; building with our own go.mod (module 6.5840, go $have, no requirements): your Raft needs only the standard library and the skeleton's packages"
fi

mkdir -p "$(dirname "$out")"
say "building the peer host with your $pkg/ into $out"
go build -mod=mod -tags labgrade_peer -o "$out" "./labgrade/peer$layout"
say "built $out"
