// efsfuse mounts a directory through a FUSE loopback (go-fuse's fs.NewLoopbackRoot) that behaves like a slow
// network file system: every request from the kernel waits a configurable latency before it is served, one for
// metadata requests and one for data requests (READ, WRITE), and is counted by kind. The benchmarks put the app's
// DATA_DIR on it to count what EFS would meter and to feel a round trip per operation. See README.md.
//
//	efsfuse -control /tmp/efs.sock [-meta-latency 1ms] [-data-latency 0] [-entry-timeout 0] [-attr-timeout 0] <backing dir> <mount point>
//
// Control (HTTP on the unix socket): GET /stats → {"ops":{"lookup":n,…},"metaOps":n,"dataOps":n,…};
// POST /reset zeroes the counters; POST /latency?meta=1ms&data=0 changes the latencies at once. SIGUSR1 prints the
// stats on stderr. SIGTERM or SIGINT unmounts and exits.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	control := flag.String("control", "", "unix socket for the control API (required)")
	metaLatency := flag.Duration("meta-latency", 0, "latency added to every metadata request")
	dataLatency := flag.Duration("data-latency", 0, "latency added to every READ and WRITE")
	// NFS clients cache attributes and names for 3 to 60 s (acregmin…acdirmax) and revalidate a name only when its
	// directory changed; FUSE has one timeout each. 1 s is the conservative middle: 0 would send a LOOKUP for every
	// path component of every system call, which no NFS client does.
	entryTimeout := flag.Duration("entry-timeout", time.Second, "how long the kernel may trust a name lookup (0: revalidate on every use)")
	attrTimeout := flag.Duration("attr-timeout", time.Second, "how long the kernel may trust attributes (0: ask on every stat)")
	maxWrite := flag.Int("max-write", 1<<20, "largest READ/WRITE request in bytes (EFS mounts use rsize=wsize=1 MiB)")
	flag.Parse()
	if *control == "" || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: efsfuse -control <socket> [-meta-latency d] [-data-latency d] <backing dir> <mount point>")
		os.Exit(2)
	}
	backing, mountPoint := flag.Arg(0), flag.Arg(1)

	root, err := fs.NewLoopbackRoot(backing)
	if err != nil {
		fail("loopback root %s: %v", backing, err)
	}
	counted := newCountingFS(fs.NewNodeFS(root, &fs.Options{EntryTimeout: entryTimeout, AttrTimeout: attrTimeout, NegativeTimeout: entryTimeout}))
	counted.meta.Store(int64(*metaLatency))
	counted.data.Store(int64(*dataLatency))

	_, fusermountErr := exec.LookPath("fusermount3")
	if fusermountErr != nil {
		_, fusermountErr = exec.LookPath("fusermount")
	}
	server, err := fuse.NewServer(counted, mountPoint, &fuse.MountOptions{
		FsName:       "efslike:" + backing,
		Name:         "efslike",
		MaxWrite:     *maxWrite,
		MaxReadAhead: *maxWrite,
		// Without fusermount, mount(2) directly (needs root); with it, let go-fuse choose.
		DirectMountStrict: fusermountErr != nil,
		DirectMount:       true,
		AllowOther:        os.Geteuid() == 0,
		// Passthrough would let the kernel read and write the backing files itself: no READ or WRITE would reach
		// this process, to be delayed or counted.
		DisabledCapabilities: fuse.CAP_PASSTHROUGH,
		// The kernel asks for security.capability before every WRITE; NFS sends nothing for it. ENOSYS once
		// and the kernel stops asking.
		DisableXAttrs: true,
	})
	if err != nil {
		fail("mount %s: %v", mountPoint, err)
	}
	go server.Serve()
	if err := server.WaitMount(); err != nil {
		fail("mount %s: %v", mountPoint, err)
	}

	_ = os.Remove(*control)
	listener, err := net.Listen("unix", *control)
	if err != nil {
		_ = server.Unmount()
		fail("control socket %s: %v", *control, err)
	}
	go func() { _ = http.Serve(listener, counted.handler()) }()

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	fmt.Println("ready") // the benchmark waits for this line
	for s := range signals {
		if s == syscall.SIGUSR1 {
			_ = json.NewEncoder(os.Stderr).Encode(counted.stats())
			continue
		}
		break
	}
	// Lazy: a benchmark that still holds a file open must not keep the mount alive.
	if err := server.Unmount(); err != nil {
		_ = syscall.Unmount(mountPoint, syscall.MNT_DETACH)
	}
	_ = listener.Close()
	_ = os.Remove(*control)
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "efsfuse: "+format+"\n", args...)
	os.Exit(1)
}

func (c *countingFS) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(c.stats())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		c.reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /latency", func(w http.ResponseWriter, r *http.Request) {
		for name, target := range map[string]*atomic.Int64{"meta": &c.meta, "data": &c.data} {
			v := r.URL.Query().Get(name)
			if v == "" {
				continue
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				http.Error(w, fmt.Sprintf("%s=%q: expected a duration such as 1ms or 0", name, v), http.StatusBadRequest)
				return
			}
			target.Store(int64(d))
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
