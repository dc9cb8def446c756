// labgrade-overlay: the Persister's storage, shared by the 2025 (tester1)
// and 2024 (package raft) Persisters.
//
// A Store keeps a Raft's state and snapshot in one file, so Save replaces
// both at once: it writes a temporary file, fsyncs it, renames it over the
// old one and fsyncs the folder. A process killed at any point leaves either
// the old pair or the new one, and a restarted process reads the last pair
// saved. A Store made with Memory keeps nothing on disk (Copy's result, and
// the zero-value Persister the 2024 tester builds).
package durable

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileName is the state file inside the data folder.
const FileName = "raft-state"

// magic starts every state file (the format's version is its last byte).
var magic = []byte("LGRAFT\x00\x01")

// Store is one peer's persisted Raft state and snapshot.
type Store struct {
	dir string // "" for a Store kept in memory only

	mu        sync.Mutex
	raftState []byte
	snapshot  []byte
}

// Open reads the Store in dir (created if missing); a missing file is an
// empty state, a damaged one an error.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("durable: cannot make the data folder %s: %w", dir, err)
	}
	s := &Store{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("durable: cannot read %s: %w", filepath.Join(dir, FileName), err)
	}
	s.raftState, s.snapshot, err = decode(data)
	if err != nil {
		return nil, fmt.Errorf("durable: %s is damaged: %w", filepath.Join(dir, FileName), err)
	}
	return s, nil
}

// Memory returns a Store that keeps raftState and snapshot in memory only.
func Memory(raftState, snapshot []byte) *Store {
	return &Store{raftState: clone(raftState), snapshot: clone(snapshot)}
}

// Dir is the data folder ("" in memory).
func (s *Store) Dir() string { return s.dir }

// Save replaces the state and snapshot, durably for a Store on disk.
func (s *Store) Save(raftState, snapshot []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		if err := s.write(encode(raftState, snapshot)); err != nil {
			return err
		}
	}
	s.raftState = clone(raftState)
	s.snapshot = clone(snapshot)
	return nil
}

// write puts data in place of the state file: temp, fsync, rename, fsync the folder.
func (s *Store) write(data []byte) error {
	final := filepath.Join(s.dir, FileName)
	temp := final + ".tmp"
	f, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("durable: cannot create %s: %w", temp, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("durable: cannot write %s: %w", temp, err)
	}
	if err := os.Rename(temp, final); err != nil {
		return fmt.Errorf("durable: cannot rename %s to %s: %w", temp, final, err)
	}
	folder, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("durable: cannot open %s to sync it: %w", s.dir, err)
	}
	defer folder.Close()
	if err := folder.Sync(); err != nil {
		return fmt.Errorf("durable: cannot sync %s: %w", s.dir, err)
	}
	return nil
}

// RaftState is a copy of the saved Raft state.
func (s *Store) RaftState() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.raftState)
}

// Snapshot is a copy of the saved snapshot.
func (s *Store) Snapshot() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return clone(s.snapshot)
}

// Sizes are the saved state's and snapshot's lengths in bytes.
func (s *Store) Sizes() (raftStateBytes, snapshotBytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.raftState), len(s.snapshot)
}

// Copy is an in-memory Store holding what s holds now; saving to either
// leaves the other alone, as the course's Persister.Copy does.
func (s *Store) Copy() *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Memory(s.raftState, s.snapshot)
}

// encode lays out magic, both lengths, both byte strings and a CRC-32 of all before it.
func encode(raftState, snapshot []byte) []byte {
	var b bytes.Buffer
	b.Write(magic)
	binary.Write(&b, binary.BigEndian, uint64(len(raftState)))
	binary.Write(&b, binary.BigEndian, uint64(len(snapshot)))
	b.Write(raftState)
	b.Write(snapshot)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

func decode(data []byte) (raftState, snapshot []byte, err error) {
	head := len(magic) + 16
	if len(data) < head+4 || !bytes.Equal(data[:len(magic)], magic) {
		return nil, nil, errors.New("not a state file of ours")
	}
	stateLen := binary.BigEndian.Uint64(data[len(magic):])
	snapLen := binary.BigEndian.Uint64(data[len(magic)+8:])
	if stateLen > uint64(len(data)) || snapLen > uint64(len(data)) || uint64(head)+stateLen+snapLen+4 != uint64(len(data)) {
		return nil, nil, errors.New("its lengths do not match its size")
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(data[len(data)-4:]) {
		return nil, nil, errors.New("its checksum does not match")
	}
	raftState = clone(body[head : head+int(stateLen)])
	snapshot = clone(body[head+int(stateLen):])
	return raftState, snapshot, nil
}

// clone copies b; nil and empty both become an empty, non-nil slice, as the
// course's Persister returns.
func clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
