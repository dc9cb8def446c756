// labgrade-overlay: the frames our labrpc sends between peers over TCP.
//
// One request per frame, one reply per request, on a connection used by one
// call at a time: a 4-byte big-endian length, then a labgob encoding of a
// request (SvcMeth, Args) or of a reply (OK, Reply). A frame longer than
// MaxFrameBytes ends the connection: neither side allocates what a broken or
// hostile peer announces.
package labrpc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"6.5840/labgob"
)

// MaxFrameBytes is the largest frame either side reads or writes (64 MiB).
const MaxFrameBytes = 64 << 20

// request is a call's frame: which handler, and its labgob-encoded argument.
type request struct {
	SvcMeth string
	Args    []byte
}

// response is the answer's frame; OK is false for an unknown service or
// method, or arguments the handler's type cannot decode.
type response struct {
	OK    bool
	Reply []byte
}

// encodeFrame is v as one frame, length first.
func encodeFrame(v interface{}) ([]byte, error) {
	var body bytes.Buffer
	body.Write([]byte{0, 0, 0, 0})
	if err := labgob.NewEncoder(&body).Encode(v); err != nil {
		return nil, err
	}
	frame := body.Bytes()
	if len(frame)-4 > MaxFrameBytes {
		return nil, fmt.Errorf("labrpc: a frame of %d bytes is over the %d-byte limit", len(frame)-4, MaxFrameBytes)
	}
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-4))
	return frame, nil
}

// writeFrame writes v as one frame and returns the bytes written.
func writeFrame(w io.Writer, v interface{}) (int, error) {
	frame, err := encodeFrame(v)
	if err != nil {
		return 0, err
	}
	return w.Write(frame)
}

// readFrame reads one frame into v and returns the bytes read.
func readFrame(r io.Reader, v interface{}) (int, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return 0, err
	}
	size := binary.BigEndian.Uint32(header[:])
	if size > MaxFrameBytes {
		return 4, fmt.Errorf("labrpc: a peer announced a frame of %d bytes, over the %d-byte limit", size, MaxFrameBytes)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return 4, err
	}
	if err := labgob.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return 4 + int(size), err
	}
	return 4 + int(size), nil
}
