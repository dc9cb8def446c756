// The kernel's netfilter queue (NFQUEUE), spoken directly over netlink: bind
// a queue, read the packets it holds for us, and give each its verdict when
// we choose (the kernel lets verdicts come in any order). Only what the
// shaper needs, from the nfnetlink_queue protocol (linux/netfilter/
// nfnetlink_queue.h): messages are an nlmsghdr, an nfgenmsg and attributes;
// the structures inside attributes are big-endian.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"syscall"
)

const (
	netlinkNetfilter = 12 // NETLINK_NETFILTER
	subsysQueue      = 3  // NFNL_SUBSYS_QUEUE

	msgPacket  = 0 // NFQNL_MSG_PACKET
	msgVerdict = 1 // NFQNL_MSG_VERDICT
	msgConfig  = 2 // NFQNL_MSG_CONFIG

	attrPacketHdr = 1  // NFQA_PACKET_HDR
	attrVerdict   = 2  // NFQA_VERDICT_HDR
	attrPayload   = 10 // NFQA_PAYLOAD

	cfgCmd     = 1 // NFQA_CFG_CMD
	cfgParams  = 2 // NFQA_CFG_PARAMS
	cfgMaxLen  = 3 // NFQA_CFG_QUEUE_MAXLEN
	cmdBind    = 1 // NFQNL_CFG_CMD_BIND
	copyPacket = 2 // NFQNL_COPY_PACKET

	verdictDrop   = 0 // NF_DROP
	verdictAccept = 1 // NF_ACCEPT

	nlmsgError  = 2 // NLMSG_ERROR
	flagRequest = 1
	flagAck     = 4
)

// Queue is one bound netfilter queue.
type Queue struct {
	fd  int
	num uint16
	mu  sync.Mutex
	seq uint32
	buf []byte
}

// Packet is one packet the kernel handed us: its id (for the verdict) and
// its bytes, cut at the copy range.
type Packet struct {
	ID      uint32
	Payload []byte
}

func align4(n int) int { return (n + 3) &^ 3 }

func attr(typ uint16, data []byte) []byte {
	out := make([]byte, align4(4+len(data)))
	binary.LittleEndian.PutUint16(out[0:2], uint16(4+len(data)))
	binary.LittleEndian.PutUint16(out[2:4], typ)
	copy(out[4:], data)
	return out
}

// message builds one netlink message of the queue subsystem for queue num.
func (q *Queue) message(kind uint16, flags uint16, attrs ...[]byte) []byte {
	body := []byte{syscall.AF_UNSPEC, 0, byte(q.num >> 8), byte(q.num)} // nfgenmsg: family, version 0, res_id (big-endian)
	for _, a := range attrs {
		body = append(body, a...)
	}
	msg := make([]byte, 16+len(body))
	binary.LittleEndian.PutUint32(msg[0:4], uint32(len(msg)))
	binary.LittleEndian.PutUint16(msg[4:6], subsysQueue<<8|kind)
	binary.LittleEndian.PutUint16(msg[6:8], flags)
	q.seq++
	binary.LittleEndian.PutUint32(msg[8:12], q.seq)
	copy(msg[16:], body)
	return msg
}

func (q *Queue) send(msg []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return syscall.Sendto(q.fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
}

// request sends a config message and waits for the kernel's acknowledgement.
func (q *Queue) request(attrs ...[]byte) error {
	q.mu.Lock()
	msg := q.message(msgConfig, flagRequest|flagAck, attrs...)
	seq := q.seq
	q.mu.Unlock()
	if err := q.send(msg); err != nil {
		return err
	}
	for {
		n, _, err := syscall.Recvfrom(q.fd, q.buf, 0)
		if err != nil {
			return err
		}
		for data := q.buf[:n]; len(data) >= 16; {
			length := int(binary.LittleEndian.Uint32(data[0:4]))
			if length < 16 || length > len(data) {
				return errors.New("a malformed netlink message")
			}
			if binary.LittleEndian.Uint16(data[4:6]) == nlmsgError && binary.LittleEndian.Uint32(data[8:12]) == seq {
				code := int32(binary.LittleEndian.Uint32(data[16:20]))
				if code != 0 {
					return fmt.Errorf("the kernel refused the queue's configuration: %v", syscall.Errno(-code))
				}
				return nil
			}
			data = data[align4(length):]
		}
	}
}

// OpenQueue binds netfilter queue `num`, copying at most copyRange bytes of
// each packet to us and holding up to maxLen packets at once.
func OpenQueue(num uint16, copyRange uint32, maxLen uint32) (*Queue, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	// A large receive buffer: at thousands of packets a second, a small one overflows (ENOBUFS).
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 8<<20)
	q := &Queue{fd: fd, num: num, buf: make([]byte, 1<<17)}
	if err := q.request(attr(cfgCmd, []byte{cmdBind, 0, 0, 0})); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	if err := q.request(copyParams(copyRange)); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	max := make([]byte, 4)
	binary.BigEndian.PutUint32(max, maxLen)
	if err := q.request(attr(cfgMaxLen, max)); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return q, nil
}

func copyParams(copyRange uint32) []byte {
	params := make([]byte, 5)
	binary.BigEndian.PutUint32(params[0:4], copyRange)
	params[4] = copyPacket
	return attr(cfgParams, params)
}

// Read blocks for the next batch of packets and hands each to onPacket.
// ENOBUFS (the kernel could not hand us packets fast enough: it drops them)
// is returned so the caller counts it.
func (q *Queue) Read(onPacket func(Packet)) error {
	n, _, err := syscall.Recvfrom(q.fd, q.buf, 0)
	if err != nil {
		return err
	}
	return parseMessages(q.buf[:n], onPacket)
}

// advance is what follows a netlink item of this length, padded to 4 bytes
// (the last item of a message may come without its padding).
func advance(data []byte, length int) []byte {
	next := align4(length)
	if next > len(data) {
		next = len(data)
	}
	return data[next:]
}

// parseMessages reads a batch of netlink messages as the kernel sends them,
// giving each queued packet (its id and whatever of its bytes were copied)
// to onPacket. Lengths are checked before every slice: a short or odd
// message ends the batch with an error, it never panics.
func parseMessages(data []byte, onPacket func(Packet)) error {
	for len(data) >= 16 {
		length := int(binary.LittleEndian.Uint32(data[0:4]))
		if length < 16 || length > len(data) {
			return errors.New("a malformed netlink message")
		}
		kind := binary.LittleEndian.Uint16(data[4:6])
		if kind == subsysQueue<<8|msgPacket && length >= 20 {
			var p Packet
			found := false
			for attrs := data[20:length]; len(attrs) >= 4; {
				alen := int(binary.LittleEndian.Uint16(attrs[0:2]))
				atype := binary.LittleEndian.Uint16(attrs[2:4]) & 0x3fff
				if alen < 4 || alen > len(attrs) {
					break
				}
				switch atype {
				case attrPacketHdr:
					if alen >= 8 {
						p.ID = binary.BigEndian.Uint32(attrs[4:8])
						found = true
					}
				case attrPayload:
					p.Payload = append([]byte(nil), attrs[4:alen]...)
				}
				attrs = advance(attrs, alen)
			}
			if found {
				onPacket(p)
			}
		}
		data = advance(data, length)
	}
	return nil
}

// Verdict accepts or drops the packet with this id.
func (q *Queue) Verdict(id uint32, accept bool) error {
	v := make([]byte, 8)
	if accept {
		binary.BigEndian.PutUint32(v[0:4], verdictAccept)
	} else {
		binary.BigEndian.PutUint32(v[0:4], verdictDrop)
	}
	binary.BigEndian.PutUint32(v[4:8], id)
	q.mu.Lock()
	msg := q.message(msgVerdict, flagRequest, attr(attrVerdict, v))
	q.mu.Unlock()
	return q.send(msg)
}
