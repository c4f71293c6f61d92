package main

import (
	"sync/atomic"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// The kinds of request counted. READ and WRITE are data; everything else the kernel sends and waits for is
// metadata, as on NFS (LOOKUP, GETATTR, ACCESS, CREATE, OPEN, READDIR, RENAME, COMMIT… each one round trip).
// FORGET and BATCH_FORGET are counted but never delayed: the kernel does not wait for them, and NFS has no
// equivalent request.
var kinds = []string{
	"lookup", "forget", "getattr", "setattr", "mknod", "mkdir", "unlink", "rmdir", "rename", "link", "symlink",
	"readlink", "access", "getxattr", "listxattr", "setxattr", "removexattr", "create", "tmpfile", "open", "read",
	"lseek", "getlk", "setlk", "setlkw", "release", "write", "copyfilerange", "ioctl", "flush", "fsync", "fallocate",
	"opendir", "readdir", "readdirplus", "releasedir", "fsyncdir", "statfs", "statx",
}

var kindIndex = func() map[string]int {
	m := map[string]int{}
	for i, k := range kinds {
		m[k] = i
	}
	return m
}()

// countingFS wraps the loopback's RawFileSystem: each request is counted, then waits its latency, then runs.
type countingFS struct {
	fuse.RawFileSystem
	counts     []atomic.Uint64
	meta, data atomic.Int64 // latencies, ns
	inFlight   *inFlight
}

func newCountingFS(inner fuse.RawFileSystem) *countingFS {
	return &countingFS{RawFileSystem: inner, counts: make([]atomic.Uint64, len(kinds)), inFlight: newInFlight(len(kinds))}
}

// op counts a request and waits its latency; the func it returns is called when the request has been served.
func (c *countingFS) op(kind string) func() {
	k := kindIndex[kind]
	c.counts[k].Add(1)
	done := c.inFlight.begin(k)
	latency := c.meta.Load()
	if kind == "read" || kind == "write" {
		latency = c.data.Load()
	}
	if latency > 0 {
		time.Sleep(time.Duration(latency))
	}
	return done
}

type stats struct {
	Ops map[string]uint64 `json:"ops"`
	// BusyMs is, per kind, the summed time its requests spent in the daemon (latency included).
	BusyMs map[string]float64 `json:"busyMs"`
	// InFlightMs[i] is the wall time during which exactly i requests were in the daemon.
	InFlightMs    []float64 `json:"inFlightMs"`
	MetaOps       uint64    `json:"metaOps"`
	DataOps       uint64    `json:"dataOps"`
	MetaLatencyMs float64   `json:"metaLatencyMs"`
	DataLatencyMs float64   `json:"dataLatencyMs"`
}

func (c *countingFS) stats() stats {
	s := stats{Ops: map[string]uint64{}, BusyMs: map[string]float64{}, InFlightMs: c.inFlight.levels(), MetaLatencyMs: float64(c.meta.Load()) / 1e6, DataLatencyMs: float64(c.data.Load()) / 1e6}
	for i, k := range kinds {
		n := c.counts[i].Load()
		if n == 0 {
			continue
		}
		s.Ops[k] = n
		s.BusyMs[k] = float64(c.inFlight.busyNs[i].Load()) / 1e6
		switch k {
		case "read", "write":
			s.DataOps += n
		case "forget":
		default:
			s.MetaOps += n
		}
	}
	return s
}

func (c *countingFS) reset() {
	for i := range c.counts {
		c.counts[i].Store(0)
	}
	c.inFlight.reset()
}

func (c *countingFS) Lookup(cancel <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	defer c.op("lookup")()
	return c.RawFileSystem.Lookup(cancel, h, name, out)
}
func (c *countingFS) Forget(nodeid, nlookup uint64) {
	c.counts[kindIndex["forget"]].Add(1)
	c.RawFileSystem.Forget(nodeid, nlookup)
}
func (c *countingFS) GetAttr(cancel <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	defer c.op("getattr")()
	return c.RawFileSystem.GetAttr(cancel, in, out)
}
func (c *countingFS) SetAttr(cancel <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	defer c.op("setattr")()
	return c.RawFileSystem.SetAttr(cancel, in, out)
}
func (c *countingFS) Mknod(cancel <-chan struct{}, in *fuse.MknodIn, name string, out *fuse.EntryOut) fuse.Status {
	defer c.op("mknod")()
	return c.RawFileSystem.Mknod(cancel, in, name, out)
}
func (c *countingFS) Mkdir(cancel <-chan struct{}, in *fuse.MkdirIn, name string, out *fuse.EntryOut) fuse.Status {
	defer c.op("mkdir")()
	return c.RawFileSystem.Mkdir(cancel, in, name, out)
}
func (c *countingFS) Unlink(cancel <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	defer c.op("unlink")()
	return c.RawFileSystem.Unlink(cancel, h, name)
}
func (c *countingFS) Rmdir(cancel <-chan struct{}, h *fuse.InHeader, name string) fuse.Status {
	defer c.op("rmdir")()
	return c.RawFileSystem.Rmdir(cancel, h, name)
}
func (c *countingFS) Rename(cancel <-chan struct{}, in *fuse.RenameIn, oldName, newName string) fuse.Status {
	defer c.op("rename")()
	return c.RawFileSystem.Rename(cancel, in, oldName, newName)
}
func (c *countingFS) Link(cancel <-chan struct{}, in *fuse.LinkIn, name string, out *fuse.EntryOut) fuse.Status {
	defer c.op("link")()
	return c.RawFileSystem.Link(cancel, in, name, out)
}
func (c *countingFS) Symlink(cancel <-chan struct{}, h *fuse.InHeader, to, name string, out *fuse.EntryOut) fuse.Status {
	defer c.op("symlink")()
	return c.RawFileSystem.Symlink(cancel, h, to, name, out)
}
func (c *countingFS) Readlink(cancel <-chan struct{}, h *fuse.InHeader) ([]byte, fuse.Status) {
	defer c.op("readlink")()
	return c.RawFileSystem.Readlink(cancel, h)
}
func (c *countingFS) Access(cancel <-chan struct{}, in *fuse.AccessIn) fuse.Status {
	defer c.op("access")()
	return c.RawFileSystem.Access(cancel, in)
}
func (c *countingFS) GetXAttr(cancel <-chan struct{}, h *fuse.InHeader, attr string, dest []byte) (uint32, fuse.Status) {
	defer c.op("getxattr")()
	return c.RawFileSystem.GetXAttr(cancel, h, attr, dest)
}
func (c *countingFS) ListXAttr(cancel <-chan struct{}, h *fuse.InHeader, dest []byte) (uint32, fuse.Status) {
	defer c.op("listxattr")()
	return c.RawFileSystem.ListXAttr(cancel, h, dest)
}
func (c *countingFS) SetXAttr(cancel <-chan struct{}, in *fuse.SetXAttrIn, attr string, data []byte) fuse.Status {
	defer c.op("setxattr")()
	return c.RawFileSystem.SetXAttr(cancel, in, attr, data)
}
func (c *countingFS) RemoveXAttr(cancel <-chan struct{}, h *fuse.InHeader, attr string) fuse.Status {
	defer c.op("removexattr")()
	return c.RawFileSystem.RemoveXAttr(cancel, h, attr)
}
func (c *countingFS) Create(cancel <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	defer c.op("create")()
	return c.RawFileSystem.Create(cancel, in, name, out)
}
func (c *countingFS) Tmpfile(cancel <-chan struct{}, in *fuse.CreateIn, out *fuse.CreateOut) fuse.Status {
	defer c.op("tmpfile")()
	return c.RawFileSystem.Tmpfile(cancel, in, out)
}
func (c *countingFS) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	defer c.op("open")()
	return c.RawFileSystem.Open(cancel, in, out)
}
func (c *countingFS) Read(cancel <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	defer c.op("read")()
	return c.RawFileSystem.Read(cancel, in, buf)
}
func (c *countingFS) Lseek(cancel <-chan struct{}, in *fuse.LseekIn, out *fuse.LseekOut) fuse.Status {
	defer c.op("lseek")()
	return c.RawFileSystem.Lseek(cancel, in, out)
}
func (c *countingFS) GetLk(cancel <-chan struct{}, in *fuse.LkIn, out *fuse.LkOut) fuse.Status {
	defer c.op("getlk")()
	return c.RawFileSystem.GetLk(cancel, in, out)
}
func (c *countingFS) SetLk(cancel <-chan struct{}, in *fuse.LkIn) fuse.Status {
	defer c.op("setlk")()
	return c.RawFileSystem.SetLk(cancel, in)
}
func (c *countingFS) SetLkw(cancel <-chan struct{}, in *fuse.LkIn) fuse.Status {
	defer c.op("setlkw")()
	return c.RawFileSystem.SetLkw(cancel, in)
}
func (c *countingFS) Release(cancel <-chan struct{}, in *fuse.ReleaseIn) {
	defer c.op("release")()
	c.RawFileSystem.Release(cancel, in)
}
func (c *countingFS) Write(cancel <-chan struct{}, in *fuse.WriteIn, data []byte) (uint32, fuse.Status) {
	defer c.op("write")()
	return c.RawFileSystem.Write(cancel, in, data)
}

// Writev is how go-fuse delivers WRITE; Write is only its fallback, so each WRITE is counted once.
func (c *countingFS) Writev(cancel <-chan struct{}, in *fuse.WriteIn, data [][]byte) (uint32, fuse.Status) {
	defer c.op("write")()
	return c.RawFileSystem.Writev(cancel, in, data)
}
func (c *countingFS) CopyFileRange(cancel <-chan struct{}, in *fuse.CopyFileRangeIn) (uint32, fuse.Status) {
	defer c.op("copyfilerange")()
	return c.RawFileSystem.CopyFileRange(cancel, in)
}
func (c *countingFS) Ioctl(cancel <-chan struct{}, in *fuse.IoctlIn, inbuf []byte, out *fuse.IoctlOut, outbuf []byte) fuse.Status {
	defer c.op("ioctl")()
	return c.RawFileSystem.Ioctl(cancel, in, inbuf, out, outbuf)
}
func (c *countingFS) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status {
	defer c.op("flush")()
	return c.RawFileSystem.Flush(cancel, in)
}
func (c *countingFS) Fsync(cancel <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	defer c.op("fsync")()
	return c.RawFileSystem.Fsync(cancel, in)
}
func (c *countingFS) Fallocate(cancel <-chan struct{}, in *fuse.FallocateIn) fuse.Status {
	defer c.op("fallocate")()
	return c.RawFileSystem.Fallocate(cancel, in)
}
func (c *countingFS) OpenDir(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	defer c.op("opendir")()
	return c.RawFileSystem.OpenDir(cancel, in, out)
}
func (c *countingFS) ReadDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	defer c.op("readdir")()
	return c.RawFileSystem.ReadDir(cancel, in, out)
}
func (c *countingFS) ReadDirPlus(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	defer c.op("readdirplus")()
	return c.RawFileSystem.ReadDirPlus(cancel, in, out)
}
func (c *countingFS) ReleaseDir(in *fuse.ReleaseIn) {
	defer c.op("releasedir")()
	c.RawFileSystem.ReleaseDir(in)
}
func (c *countingFS) FsyncDir(cancel <-chan struct{}, in *fuse.FsyncIn) fuse.Status {
	defer c.op("fsyncdir")()
	return c.RawFileSystem.FsyncDir(cancel, in)
}
func (c *countingFS) StatFs(cancel <-chan struct{}, h *fuse.InHeader, out *fuse.StatfsOut) fuse.Status {
	defer c.op("statfs")()
	return c.RawFileSystem.StatFs(cancel, h, out)
}
func (c *countingFS) Statx(cancel <-chan struct{}, in *fuse.StatxIn, out *fuse.StatxOut) fuse.Status {
	defer c.op("statx")()
	return c.RawFileSystem.Statx(cancel, in, out)
}
