package main

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// packetMessage is one NFQNL_MSG_PACKET as the kernel sends it: the netlink
// header, the nfgenmsg, the packet header attribute and the payload
// attribute, the last one without its padding when padLast is false.
func packetMessage(id uint32, payload []byte, padLast bool) []byte {
	attrOf := func(kind uint16, value []byte, pad bool) []byte {
		a := make([]byte, 4, 4+len(value)+3)
		binary.LittleEndian.PutUint16(a[0:2], uint16(4+len(value)))
		binary.LittleEndian.PutUint16(a[2:4], kind)
		a = append(a, value...)
		if pad {
			for len(a)%4 != 0 {
				a = append(a, 0)
			}
		}
		return a
	}
	hdr := make([]byte, 7)
	binary.BigEndian.PutUint32(hdr[0:4], id)
	body := append(attrOf(attrPacketHdr, hdr, true), attrOf(attrPayload, payload, padLast)...)
	msg := make([]byte, 20, 20+len(body))
	binary.LittleEndian.PutUint32(msg[0:4], uint32(20+len(body)))
	binary.LittleEndian.PutUint16(msg[4:6], subsysQueue<<8|msgPacket)
	return append(msg, body...)
}

func TestParsesAPacketWhoseLastAttributeIsUnpadded(t *testing.T) {
	// A 33-byte UDP datagram: the payload attribute is 37 bytes long, and the
	// kernel leaves out the 3 bytes of padding at the end of the message.
	payload := make([]byte, 33)
	payload[0] = 0x45
	var got []Packet
	if err := parseMessages(packetMessage(7, payload, false), func(p Packet) { got = append(got, p) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != 7 || len(got[0].Payload) != 33 {
		t.Fatalf("got %+v", got)
	}
}

func TestParsesABatchOfMessages(t *testing.T) {
	var batch []byte
	for id := uint32(1); id <= 5; id++ {
		batch = append(batch, packetMessage(id, make([]byte, 20+int(id)), true)...)
	}
	var ids []uint32
	if err := parseMessages(batch, func(p Packet) { ids = append(ids, p.ID) }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 5 || ids[0] != 1 || ids[4] != 5 {
		t.Fatalf("ids %v", ids)
	}
}

func TestNeverPanicsOnGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		buf := packetMessage(uint32(i), make([]byte, rng.IntN(80)), rng.IntN(2) == 0)
		// Cut it anywhere and flip a few bytes: lengths that lie must not crash the reader.
		buf = buf[:rng.IntN(len(buf)+1)]
		for j := 0; j < 3 && len(buf) > 0; j++ {
			buf[rng.IntN(len(buf))] = byte(rng.IntN(256))
		}
		_ = parseMessages(buf, func(Packet) {})
	}
}
