// Tests of the durable store: what a restarted peer reads back.
package durable

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSaveThenReopenReadsTheLastSave(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RaftState()) != 0 || len(s.Snapshot()) != 0 {
		t.Fatal("a fresh folder is not empty state")
	}
	s.Save([]byte("term 1"), nil)
	if err := s.Save([]byte("term 2 log abc"), []byte("snap")); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(again.RaftState()) != "term 2 log abc" || string(again.Snapshot()) != "snap" {
		t.Fatalf("reopened: %q %q", again.RaftState(), again.Snapshot())
	}
	if a, b := again.Sizes(); a != 14 || b != 4 {
		t.Fatalf("sizes %d %d", a, b)
	}
}

func TestCrashBeforeRenameLeavesTheOldState(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	s.Save([]byte("old"), []byte("old snap"))
	// A process killed after writing the temp file but before the rename
	// leaves a temp file (whole or torn) beside the old state.
	temp := filepath.Join(dir, FileName+".tmp")
	whole := encode([]byte("new"), []byte("new snap"))
	for _, left := range [][]byte{whole, whole[:len(whole)/2]} {
		os.WriteFile(temp, left, 0o644)
		again, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if string(again.RaftState()) != "old" || string(again.Snapshot()) != "old snap" {
			t.Fatalf("after a crash before the rename: %q %q", again.RaftState(), again.Snapshot())
		}
		// The next Save still works over the leftover.
		if err := again.Save([]byte("next"), nil); err != nil {
			t.Fatal(err)
		}
		s.Save([]byte("old"), []byte("old snap"))
	}
}

func TestDamagedFileIsAnErrorNotEmptyState(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	s.Save(bytes.Repeat([]byte("x"), 100), nil)
	path := filepath.Join(dir, FileName)
	data, _ := os.ReadFile(path)
	data[40] ^= 0xff
	os.WriteFile(path, data, 0o644)
	if _, err := Open(dir); err == nil {
		t.Fatal("a flipped byte went unnoticed")
	}
	os.WriteFile(path, data[:10], 0o644)
	if _, err := Open(dir); err == nil {
		t.Fatal("a truncated file went unnoticed")
	}
}

func TestCopyIsIndependentAndInMemory(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	s.Save([]byte("a"), []byte("b"))
	c := s.Copy()
	c.Save([]byte("changed"), nil)
	if string(s.RaftState()) != "a" || c.Dir() != "" {
		t.Fatal("Copy shares state with the original or writes to disk")
	}
	reopened, _ := Open(dir)
	if string(reopened.RaftState()) != "a" {
		t.Fatal("saving the copy reached the disk")
	}
	// Readers get copies: changing one does not change the store.
	got := s.RaftState()
	got[0] = 'z'
	if string(s.RaftState()) != "a" {
		t.Fatal("RaftState returned the store's own slice")
	}
}

func TestSaveTime(t *testing.T) {
	s, _ := Open(t.TempDir())
	state := bytes.Repeat([]byte("e"), 4096)
	const n = 50
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := s.Save(state, nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("a durable Save of 4 KiB takes %v on average here", time.Since(start)/n)
}
