// Tests of labgrade/build.sh on our two stand-in skeleton trees (testdata/
// src2025 and src2024), with the overlay laid over them as the runner lays
// it, run where the real build runs (the labgrade/go image, no network).
package buildtest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// harnessRoot is lib/labs/mit-6.5840/harness.
func harnessRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// isOverlay says whether a harness file is laid over a student's tree: all
// but the harness's own go.mod, READMEs, tests and test data.
func isOverlay(rel string) bool {
	if rel == "go.mod" || filepath.Base(rel) == "README.md" || strings.HasSuffix(rel, "_test.go") {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "testdata" {
			return false
		}
	}
	return true
}

// copyTree copies the files of from under to; keep picks which (nil: all).
func copyTree(t *testing.T, from, to string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if keep != nil && !keep(rel) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// studentTree is a fixture with our overlay laid over it, ours winning.
func studentTree(t *testing.T, fixture string) string {
	t.Helper()
	dir := t.TempDir()
	root := harnessRoot(t)
	if fixture != "" {
		copyTree(t, filepath.Join(root, "testdata", fixture), dir, nil)
	}
	copyTree(t, root, dir, isOverlay)
	return dir
}

// build runs build.sh in dir as the lab's build command does.
func build(t *testing.T, dir string) (string, error) {
	t.Helper()
	cmd := exec.Command("sh", "labgrade/build.sh")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LABGRADE_BUILD_OUT="+filepath.Join(dir, "out", "peer"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustContain(t *testing.T, log string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(log, want) {
			t.Errorf("the build log lacks %q:\n%s", want, log)
		}
	}
}

func TestBuild2025Layout(t *testing.T) {
	dir := studentTree(t, "src2025")
	log, err := build(t, dir)
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, log)
	}
	mustContain(t, log,
		"layout: 2025",
		"removed raft1/raft_test.go",
		"removed raft1/test.go (the skeleton's in-process tester)",
		"removed raft1/server.go (the skeleton's tester-side server)",
		"removed raft1/applier.go (the skeleton's tester-side server)",
		"removed tester1/config.go (the skeleton's tester1; ours replaces it)",
		"removed labrpc/test_test.go",
		"go.mod: it requires modules the network-less build cannot fetch",
		"built ",
	)
	for _, kept := range []string{"raft1/raft.go", "raft1/util.go", "kvraft1/server.go"} {
		if _, err := os.Stat(filepath.Join(dir, kept)); err != nil {
			t.Errorf("%s was removed: %v", kept, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "peer")); err != nil {
		t.Fatalf("no peer binary: %v", err)
	}
	vet := exec.Command("go", "vet", "-tags", "labgrade_peer", "./labgrade/peer2025")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the 2025 peer main: %v\n%s", err, out)
	}
}

func TestBuild2024Layout(t *testing.T) {
	dir := studentTree(t, "src2024")
	log, err := build(t, dir)
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, log)
	}
	mustContain(t, log,
		"layout: 2024",
		"removed raft/test_test.go",
		"removed raft/config.go (the skeleton's in-process tester)",
		"removed labrpc/test_test.go",
		"built ",
	)
	if strings.Contains(log, "go.mod:") {
		t.Errorf("a go.mod with no requirements and an old Go version was rewritten:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(dir, "raft", "persister.go")); err != nil {
		t.Fatal("our persister.go is gone")
	}
	vet := exec.Command("go", "vet", "-tags", "labgrade_peer", "./labgrade/peer2024")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the 2024 peer main: %v\n%s", err, out)
	}
}

func TestBuildNamesWhatIsMissing(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no go.mod", map[string]string{"raft1/raft.go": "package raft\n"}, "no go.mod at the top of the upload"},
		{"another module", map[string]string{"go.mod": "module example.com/mine\n\ngo 1.22\n"}, `names the module "example.com/mine", not 6.5840`},
		{"no Raft folder", map[string]string{"go.mod": "module 6.5840\n\ngo 1.22\n", "mr/worker.go": "package mr\n"}, "no raft1/ or raft/ folder with your Raft: upload your skeleton's src/ folder, the one with go.mod (module 6.5840)"},
		{"no Make", map[string]string{"go.mod": "module 6.5840\n", "raft1/raft.go": "package raft\n"}, "raft1/ has no func Make"},
		{"a Go too new", map[string]string{"go.mod": "module 6.5840\n\ngo 1.99\n", "raft/raft.go": "package raft\n\nfunc Make() {}\n"}, "it asks for Go 1.99"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := studentTree(t, "")
			for name, text := range c.files {
				os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
				os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			}
			log, err := build(t, dir)
			if c.name == "a Go too new" {
				// The go.mod is ours now; the build then fails on the stand-in's Make.
				mustContain(t, log, c.want, "layout: 2024")
				return
			}
			if err == nil {
				t.Fatalf("the build succeeded:\n%s", log)
			}
			mustContain(t, log, c.want)
		})
	}
}
