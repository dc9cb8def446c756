// labgrade-overlay: our labrpc's server side: services made from a
// receiver's exported methods, as the course's labrpc makes them, answered
// over TCP.
//
// A handler is an exported method func (rcv *T) M(args *A, reply *R) (args
// may also be a value); a request names it "T.M". Requests on one
// connection are answered in order, one at a time (a ClientEnd uses a
// connection for one call at a time, and opens more for concurrent calls).
// Once Kill is called the server answers nothing, as the course's tester
// makes a killed server: requests are read and dropped, and a reply whose
// handler was running is not sent.
package labrpc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"6.5840/labgob"
)

// Server is a collection of services sharing one listener.
type Server struct {
	stats  *Stats
	killed atomic.Bool
	count  atomic.Int64 // requests received

	mu       sync.Mutex
	services map[string]*Service
}

// MakeServer returns a server with no services, counting into a private Stats.
func MakeServer() *Server {
	return &Server{stats: &Stats{}, services: map[string]*Service{}}
}

// SetStats makes the server count its bytes into stats (a peer host's counters).
func (rs *Server) SetStats(stats *Stats) { rs.stats = stats }

// AddService adds svc under its receiver's type name.
func (rs *Server) AddService(svc *Service) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.services[svc.name] = svc
}

// GetCount is how many requests the server has received.
func (rs *Server) GetCount() int { return int(rs.count.Load()) }

// Kill makes the server answer nothing from now on.
func (rs *Server) Kill() { rs.killed.Store(true) }

// Serve answers requests on l's connections until l is closed.
func (rs *Server) Serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		if tcp, ok := c.(*net.TCPConn); ok {
			tcp.SetNoDelay(true)
		}
		go rs.serveConn(c)
	}
}

func (rs *Server) serveConn(c net.Conn) {
	defer c.Close()
	for {
		var req request
		got, err := readFrame(c, &req)
		rs.stats.bytesReceived.Add(int64(got))
		if err != nil {
			return
		}
		rs.count.Add(1)
		if rs.killed.Load() {
			continue
		}
		resp := rs.dispatch(req)
		if rs.killed.Load() {
			continue
		}
		frame, err := encodeFrame(resp)
		if err != nil {
			fmt.Fprintf(os.Stderr, "labrpc: %s: the reply cannot be sent: %v\n", req.SvcMeth, err)
			return
		}
		// Counted before it is written, so a caller that has its reply sees it counted.
		rs.stats.bytesSent.Add(int64(len(frame)))
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

func (rs *Server) dispatch(req request) response {
	dot := strings.LastIndex(req.SvcMeth, ".")
	if dot < 0 {
		fmt.Fprintf(os.Stderr, "labrpc: a request for %q names no service (want Service.Method)\n", req.SvcMeth)
		return response{}
	}
	rs.mu.Lock()
	svc, ok := rs.services[req.SvcMeth[:dot]]
	rs.mu.Unlock()
	if !ok {
		fmt.Fprintf(os.Stderr, "labrpc: unknown service in %q\n", req.SvcMeth)
		return response{}
	}
	return svc.dispatch(req.SvcMeth[dot+1:], req, rs.stats)
}

// Service is an object whose handler methods answer RPCs.
type Service struct {
	name    string
	rcvr    reflect.Value
	methods map[string]reflect.Method
}

// MakeService makes a service of rcvr's handler methods (see the package comment).
func MakeService(rcvr interface{}) *Service {
	svc := &Service{
		rcvr:    reflect.ValueOf(rcvr),
		methods: map[string]reflect.Method{},
	}
	svc.name = reflect.Indirect(svc.rcvr).Type().Name()
	typ := reflect.TypeOf(rcvr)
	for m := 0; m < typ.NumMethod(); m++ {
		method := typ.Method(m)
		mtype := method.Type
		if method.PkgPath != "" || mtype.NumIn() != 3 || mtype.In(2).Kind() != reflect.Ptr || mtype.NumOut() != 0 {
			continue
		}
		svc.methods[method.Name] = method
	}
	return svc
}

func (svc *Service) dispatch(name string, req request, stats *Stats) (resp response) {
	method, ok := svc.methods[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "labrpc: unknown method %q in %q\n", name, req.SvcMeth)
		return response{}
	}
	argsType := method.Type.In(1)
	var args reflect.Value
	if argsType.Kind() == reflect.Ptr {
		args = reflect.New(argsType.Elem())
	} else {
		args = reflect.New(argsType)
	}
	if err := labgob.NewDecoder(bytes.NewReader(req.Args)).Decode(args.Interface()); err != nil {
		fmt.Fprintf(os.Stderr, "labrpc: %s: cannot decode the arguments into %v: %v\n", req.SvcMeth, argsType, err)
		return response{}
	}
	if argsType.Kind() != reflect.Ptr {
		args = args.Elem()
	}
	reply := reflect.New(method.Type.In(2).Elem())
	defer func() {
		if p := recover(); p != nil {
			stats.panics.Add(1)
			fmt.Fprintf(os.Stderr, "labrpc: the handler %s panicked (the course's tester would have crashed here): %v\n%s", req.SvcMeth, p, debug.Stack())
			resp = response{}
		}
	}()
	method.Func.Call([]reflect.Value{svc.rcvr, args, reply})
	var out bytes.Buffer
	if err := labgob.NewEncoder(&out).EncodeValue(reply); err != nil {
		fmt.Fprintf(os.Stderr, "labrpc: %s: cannot encode the reply: %v\n", req.SvcMeth, err)
		return response{}
	}
	return response{OK: true, Reply: out.Bytes()}
}
