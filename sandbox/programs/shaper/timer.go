package main

import (
	"syscall"
	"time"
	"unsafe"
)

// precisionTimer is a timerfd on the monotonic clock: it wakes a blocked
// Wait within microseconds of its expiry, where Go's own timers wake up to a
// millisecond late (the runtime sleeps in epoll with millisecond timeouts).
// Arm may be called from another goroutine while Wait blocks: the new expiry
// holds.
type precisionTimer struct {
	fd int
}

const (
	clockMonotonic = 1
)

type itimerspec struct {
	interval syscall.Timespec
	value    syscall.Timespec
}

func newPrecisionTimer() (*precisionTimer, error) {
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	return &precisionTimer{fd: int(fd)}, nil
}

// Arm sets the next expiry this far from now (at least a nanosecond: zero would disarm it).
func (t *precisionTimer) Arm(wait time.Duration) {
	if wait < time.Nanosecond {
		wait = time.Nanosecond
	}
	spec := itimerspec{value: syscall.NsecToTimespec(int64(wait))}
	syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, uintptr(t.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
}

// Wait blocks until the timer expires.
func (t *precisionTimer) Wait() {
	var expirations [8]byte
	for {
		_, err := syscall.Read(t.fd, expirations[:])
		if err != syscall.EINTR {
			return
		}
	}
}
