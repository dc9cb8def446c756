// labgrade-overlay: our labgob, replacing the skeleton's.
//
// Package labgob wraps encoding/gob with the course's API (NewEncoder,
// NewDecoder, Register, RegisterName) and its two warnings, on stderr: a
// struct field whose name is not capitalised (gob silently skips it, so the
// value never crosses an RPC or survives a restart), reported once per type;
// and decoding into a variable that already holds a non-default value (gob
// leaves a field alone when the encoded value is its zero value), reported
// once per process, as the course's labgob does.
package labgob

import (
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"reflect"
	"sync"
	"unicode"
	"unicode/utf8"
)

var (
	mu sync.Mutex
	// checkedTypes holds every type already walked for lower-case fields.
	checkedTypes = map[reflect.Type]bool{}
	// warnedDefault is set once the non-default warning has been printed.
	warnedDefault bool
	// warnings counts every warning found, printed or not (tests read it).
	warnings int
)

// LabEncoder encodes values with encoding/gob after checking their types.
type LabEncoder struct {
	gob *gob.Encoder
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w io.Writer) *LabEncoder {
	return &LabEncoder{gob: gob.NewEncoder(w)}
}

// Encode checks e's type for lower-case fields, then gob-encodes it.
func (enc *LabEncoder) Encode(e interface{}) error {
	checkValue(e)
	return enc.gob.Encode(e)
}

// EncodeValue is Encode for a reflect.Value.
func (enc *LabEncoder) EncodeValue(value reflect.Value) error {
	checkValue(value.Interface())
	return enc.gob.EncodeValue(value)
}

// LabDecoder decodes gob values after checking their destinations.
type LabDecoder struct {
	gob *gob.Decoder
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *LabDecoder {
	return &LabDecoder{gob: gob.NewDecoder(r)}
}

// Decode checks e's type and current contents, then gob-decodes into it.
func (dec *LabDecoder) Decode(e interface{}) error {
	checkValue(e)
	checkDefault(e)
	return dec.gob.Decode(e)
}

// Register records a concrete type for values sent inside interfaces.
func Register(value interface{}) {
	checkValue(value)
	gob.Register(value)
}

// RegisterName is Register under a chosen name.
func RegisterName(name string, value interface{}) {
	checkValue(value)
	gob.RegisterName(name, value)
}

func checkValue(value interface{}) {
	if value == nil {
		return
	}
	checkType(reflect.TypeOf(value))
}

// checkType walks t once (recursive types stop at the second visit).
func checkType(t reflect.Type) {
	mu.Lock()
	seen := checkedTypes[t]
	checkedTypes[t] = true
	mu.Unlock()
	if seen {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			first, _ := utf8.DecodeRuneInString(f.Name)
			if !unicode.IsUpper(first) {
				fmt.Fprintf(os.Stderr, "labgob error: lower-case field %v of %v in RPC or persist/snapshot will break your Raft\n", f.Name, t.Name())
				mu.Lock()
				warnings++
				mu.Unlock()
			}
			checkType(f.Type)
		}
	case reflect.Slice, reflect.Array, reflect.Ptr:
		checkType(t.Elem())
	case reflect.Map:
		checkType(t.Elem())
		checkType(t.Key())
	}
}

// checkDefault warns when a decode destination already holds a non-default
// value: gob does not overwrite a field whose encoded value is the zero
// value, so a reused reply struct keeps stale contents.
func checkDefault(value interface{}) {
	if value == nil {
		return
	}
	checkDefaultValue(reflect.ValueOf(value), 1, "")
}

func checkDefaultValue(value reflect.Value, depth int, name string) {
	if depth > 3 {
		return
	}
	t := value.Type()
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			fieldName := t.Field(i).Name
			if name != "" {
				fieldName = name + "." + fieldName
			}
			checkDefaultValue(value.Field(i), depth+1, fieldName)
		}
	case reflect.Ptr:
		if !value.IsNil() {
			checkDefaultValue(value.Elem(), depth+1, name)
		}
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Uintptr, reflect.Float32, reflect.Float64, reflect.String:
		if value.IsZero() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		warnings++
		if warnedDefault {
			return
		}
		warnedDefault = true
		what := name
		if what == "" {
			what = t.Name()
		}
		fmt.Fprintf(os.Stderr, "labgob warning: Decoding into a non-default variable/field %v may not work\n", what)
	}
}
