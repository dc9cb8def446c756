// labgrade-overlay: the counters a peer host reports to the tester.
package labrpc

import "sync/atomic"

// Stats counts what a process's ClientEnds sent (every Call, answered or
// not) and the frame bytes its ends and servers wrote and read.
type Stats struct {
	rpcs          atomic.Int64
	bytesSent     atomic.Int64
	bytesReceived atomic.Int64
	panics        atomic.Int64
}

// StatsSnapshot is Stats at one moment.
type StatsSnapshot struct {
	RPCs          int64 // Calls made, answered or not
	BytesSent     int64 // frame bytes written, requests and replies
	BytesReceived int64 // frame bytes read, requests and replies
	Panics        int64 // RPC handlers that panicked (the course's tester would have crashed)
}

// Snapshot reads the counters.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{
		RPCs:          s.rpcs.Load(),
		BytesSent:     s.bytesSent.Load(),
		BytesReceived: s.bytesReceived.Load(),
		Panics:        s.panics.Load(),
	}
}
