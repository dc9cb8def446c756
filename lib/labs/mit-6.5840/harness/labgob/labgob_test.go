// Tests of labgob's warnings: what a student sees on stderr.
package labgob

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// stderrOf runs f with os.Stderr captured and returns what was written.
func stderrOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	defer func() { os.Stderr = saved }()
	f()
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out)
}

// forgetWarnings makes this process new to labgob again, so a test that is
// repeated (-count) sees its warnings again.
func forgetWarnings() {
	mu.Lock()
	defer mu.Unlock()
	checkedTypes = map[reflect.Type]bool{}
	warnedDefault = false
}

type withLowerCase struct {
	Term  int
	voted int
}

type allCapital struct {
	Term    int
	Entries []string
}

func TestLowerCaseFieldWarnsOncePerType(t *testing.T) {
	forgetWarnings()
	out := stderrOf(t, func() {
		var buf bytes.Buffer
		enc := NewEncoder(&buf)
		for i := 0; i < 3; i++ {
			enc.Encode(withLowerCase{Term: i})
		}
		enc.Encode(allCapital{Term: 1})
	})
	if n := strings.Count(out, "lower-case field voted of withLowerCase"); n != 1 {
		t.Fatalf("want one warning about voted, got %d in %q", n, out)
	}
	if strings.Count(out, "labgob error") != 1 {
		t.Fatalf("want no warning for allCapital, got %q", out)
	}
}

func TestDecodingIntoNonDefaultWarnsOnce(t *testing.T) {
	forgetWarnings()
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	enc.Encode(allCapital{Term: 0})
	enc.Encode(allCapital{Term: 0})
	dec := NewDecoder(&buf)
	out := stderrOf(t, func() {
		reply := allCapital{Term: 7}
		if err := dec.Decode(&reply); err != nil {
			t.Fatal(err)
		}
		// gob leaves Term alone: the stale value stays, which is what the warning is about.
		if reply.Term != 7 {
			t.Fatalf("gob overwrote a field with a zero value: %+v", reply)
		}
		again := allCapital{Term: 8}
		dec.Decode(&again)
	})
	if n := strings.Count(out, "Decoding into a non-default variable/field Term"); n != 1 {
		t.Fatalf("want one non-default warning, got %d in %q", n, out)
	}
}

func TestRoundTripOfRegisteredInterfaceValues(t *testing.T) {
	Register(allCapital{})
	var buf bytes.Buffer
	in := []interface{}{42, "x", allCapital{Term: 3, Entries: []string{"a"}}}
	if err := NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	var out []interface{}
	if err := NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 42 || out[1] != "x" || out[2].(allCapital).Entries[0] != "a" {
		t.Fatalf("round trip changed the values: %#v", out)
	}
}
